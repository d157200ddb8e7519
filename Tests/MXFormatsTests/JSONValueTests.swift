// Tests of JSONValue: strict parsing with positions, and Python-identical output.
import XCTest
@testable import MXFormats

final class JSONValueTests: XCTestCase {
    /// Python's repr layout (values checked with `python3 -c 'print(repr(x))'`).
    func testPythonReprOfDoubles() {
        let cases: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (0.1, "0.1"), (0.0001, "0.0001"), (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"), (1e16, "1e+16"), (9.5e15, "9500000000000000.0"),
            (1.5e16, "1.5e+16"), (1704067200.1, "1704067200.1"), (0.35000000000000003, "0.35000000000000003"),
            (-123.456, "-123.456"), (Double.leastNormalMagnitude, "2.2250738585072014e-308"), (1e22, "1e+22"), (123456789.0, "123456789.0"),
            (2.5e-5, "2.5e-05"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        ]
        for (d, s) in cases { XCTAssertEqual(pythonRepr(d), s, "\(d)") }
    }

    func testJSONStringEscapesMatchPython() throws {
        let v = JSONValue.object([("k", .string("a\"b\\c\n\u{1}é😀/"))])
        XCTAssertEqual(v.pythonJSON(), "{\n  \"k\": \"a\\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00/\"\n}")
        XCTAssertEqual(try JSONValue.parse(v.pythonJSON()), v)
    }

    func testParsesNumbersKeepingIntegerOrReal() throws {
        let v = try JSONValue.parse(#"{"a": 1, "b": 1.0, "c": -2e-3, "d": [true, false, null], "e": "x"}"#)
        XCTAssertEqual(v["a"], .int(1))
        XCTAssertEqual(v["b"], .double(1))
        XCTAssertEqual(v["c"], .double(-0.002))
        XCTAssertEqual(v["d"], .array([.bool(true), .bool(false), .null]))
        XCTAssertEqual(v.pythonJSON(), "{\n  \"a\": 1,\n  \"b\": 1.0,\n  \"c\": -0.002,\n  \"d\": [\n    true,\n    false,\n    null\n  ],\n  \"e\": \"x\"\n}")
    }

    /// Python's json.loads keeps the last of duplicated keys; so do we.
    func testDuplicateKeyTakesLastValue() throws {
        XCTAssertEqual(try JSONValue.parse(#"{"k": 1, "k": 2}"#)["k"], .int(2))
    }

    func testParseErrorsGivePosition() {
        let cases: [(String, String)] = [
            ("{\"a\": [1, 2}", "line 1, column 12: expected ',' or ']' in an array"),
            ("{\"a\": \"x}", "line 1, column 10: unterminated string"),
            ("[1]\n x", "line 2, column 2: unexpected text after the end of the document"),
            ("{\"a\" 1}", "line 1, column 6: expected ':' after key \"a\""),
            ("", "line 1, column 1: unexpected end of the document"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try JSONValue.parse(text), text) { e in
                XCTAssertEqual("\(e)", message, text)
            }
        }
    }
}
