// Tests of key=value parameter parsing: scopes, abbreviations, validation, errors.
import XCTest
@testable import MXPipeline
import MXMath

final class ParametersTests: XCTestCase {
    let defs: [ParameterDefinition] = [
        ParameterDefinition("spotfinder.threshold.sigma_strong", .double(min: 0), default: "3", help: "strong-pixel threshold"),
        ParameterDefinition("spotfinder.threshold.sigma_background", .double(min: 0), default: "6", help: "background threshold"),
        ParameterDefinition("spotfinder.threshold.algorithm", .choice(["dispersion", "dispersion_extended"]),
                            default: "dispersion_extended", help: "threshold algorithm"),
        ParameterDefinition("indexing.sigma_strong", .double(), default: "5", help: "another scope, same leaf"),
        ParameterDefinition("nproc", .int(min: 1), default: "Auto", help: "threads"),
        ParameterDefinition("d_min", .double(min: 0), default: "None", help: "high-resolution limit (Å)"),
        ParameterDefinition("unit_cell", .doubles(count: 6), default: "None", help: "a b c α β γ"),
        ParameterDefinition("filter.ice_rings", .bool, default: "False", help: "reject spots on ice rings"),
    ]

    func testDefaultsAndTypedGetters() throws {
        let p = ParameterSet(defs)
        XCTAssertEqual(p.double("spotfinder.threshold.sigma_strong"), 3)
        XCTAssertNil(p.int("nproc"), "Auto reads as nil")
        XCTAssertNil(p.double("d_min"), "None reads as nil")
        XCTAssertEqual(p.bool("filter.ice_rings"), false)
        XCTAssertEqual(p.string("spotfinder.threshold.algorithm"), "dispersion_extended")
    }

    func testFullNamesSuffixesAndValues() throws {
        var p = ParameterSet(defs)
        try p.parse(["sigma_background=4.5", "nproc=2", "d_min=1.8", "unit_cell=78,78,78,90,90,90",
                     "ice_rings=yes", "algorithm=DISPERSION", "indexing.sigma_strong=7"])
        XCTAssertEqual(p.double("spotfinder.threshold.sigma_background"), 4.5)
        XCTAssertEqual(p.int("nproc"), 2)
        XCTAssertEqual(p.double("d_min"), 1.8)
        XCTAssertEqual(p.doubles("unit_cell"), [78, 78, 78, 90, 90, 90])
        XCTAssertEqual(p.bool("filter.ice_rings"), true)
        XCTAssertEqual(p.string("spotfinder.threshold.algorithm"), "dispersion", "choices are case-insensitive")
        XCTAssertEqual(p.double("indexing.sigma_strong"), 7)
        XCTAssertEqual(p.double("spotfinder.threshold.sigma_strong"), 3, "the other scope is untouched")
        XCTAssertEqual(p.nonDefaultLines.first, "spotfinder.threshold.sigma_background=4.5")
    }

    func testAmbiguousSuffixNamesTheCandidates() {
        var p = ParameterSet(defs)
        XCTAssertThrowsError(try p.parse(["sigma_strong=3"])) { e in
            guard case ParameterError.ambiguous(_, let c) = e as! ParameterError else { return XCTFail("\(e)") }
            XCTAssertEqual(Set(c), ["spotfinder.threshold.sigma_strong", "indexing.sigma_strong"])
        }
        XCTAssertNoThrow(try p.parse(["threshold.sigma_strong=3"]), "a longer suffix disambiguates")
    }

    func testUnknownParameterSuggestsNearestNames() {
        var p = ParameterSet(defs)
        XCTAssertThrowsError(try p.parse(["sigma_backgroud=3"])) { e in
            let err = e as! ParameterError
            guard case .unknown(let k, let s) = err else { return XCTFail("\(e)") }
            XCTAssertEqual(k, "sigma_backgroud")
            XCTAssertEqual(s.first, "spotfinder.threshold.sigma_background")
            XCTAssertTrue(err.description.contains("did you mean"))
        }
        XCTAssertThrowsError(try p.parse(["nprocs=2"])) { e in
            guard case .unknown(_, let s) = e as! ParameterError else { return XCTFail() }
            XCTAssertTrue(s.contains("nproc"))
        }
    }

    func testMalformedAndInvalidValues() {
        var p = ParameterSet(defs)
        XCTAssertThrowsError(try p.parse(["nproc"])) { XCTAssertEqual($0 as? ParameterError, .malformed("nproc")) }
        XCTAssertThrowsError(try p.parse(["=3"])) { XCTAssertEqual($0 as? ParameterError, .malformed("=3")) }
        XCTAssertThrowsError(try p.parse(["nproc=0"])) { e in
            XCTAssertTrue("\(e)".contains("≥ 1"), "\(e)")
        }
        XCTAssertThrowsError(try p.parse(["nproc=two"]))
        XCTAssertThrowsError(try p.parse(["d_min=-1"]))
        XCTAssertThrowsError(try p.parse(["d_min=nan"]))
        XCTAssertThrowsError(try p.parse(["unit_cell=78,78,78"])) { e in
            XCTAssertTrue("\(e)".contains("6 numbers"), "\(e)")
        }
        XCTAssertThrowsError(try p.parse(["ice_rings=maybe"]))
        XCTAssertThrowsError(try p.parse(["algorithm=fft3d"])) { e in
            XCTAssertTrue("\(e)".contains("dispersion_extended"), "the error lists the choices: \(e)")
        }
        XCTAssertThrowsError(try p.parse(["sigma_background=Auto"]), "Auto is only valid where the default is Auto")
        XCTAssertNoThrow(try p.parse(["nproc=Auto"]))
    }

    /// A limit with a value by default can be switched off with None only where its definition says so.
    func testNoneSwitchesOffOnlyParametersThatAcceptIt() throws {
        var p = ParameterSet(defs + [ParameterDefinition("filter.max_separation", .double(min: 0), default: "2",
                                                         help: "limit (None: no limit)", acceptsNone: true)])
        XCTAssertEqual(p.double("filter.max_separation"), 2)
        try p.parse(["max_separation=none"])
        XCTAssertNil(p.double("filter.max_separation"))
        XCTAssertEqual(p.nonDefaultLines, ["filter.max_separation=None"])
        try p.parse(["max_separation=1.5"])
        XCTAssertEqual(p.double("filter.max_separation"), 1.5)
        XCTAssertThrowsError(try p.parse(["sigma_background=None"]), "sigma_background has no None")
    }

    func testConfigListingShowsEveryParameterWithDefaultAndHelp() {
        let listing = ParameterSet(defs).configListing()
        for d in defs {
            XCTAssertTrue(listing.contains("\(d.name) = \(d.defaultValue)"), d.name)
            XCTAssertTrue(listing.contains(d.help), d.help)
        }
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("same", "same"), 0)
    }
}
