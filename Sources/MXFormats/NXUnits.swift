// NXUnits: conversion of the unit strings NeXus files carry (m, mm, deg, angstrom, s) to mxflow's units.

/// The physical quantity a NeXus value measures, with mxflow's unit for it:
/// millimetres, degrees, ångström, seconds.
enum NXQuantity: String {
    case length = "a length"
    case angle = "an angle"
    case wavelength = "a wavelength"
    case time = "a time"
}

/// Factor converting a value in `unit` to mxflow's unit for `quantity`
/// (mm, degrees, Å, s); nil when the unit is not one of that quantity.
/// An empty unit means mxflow's own unit, except for lengths and times, where
/// NeXus' SI default (m, s) applies.
func nxScale(_ unit: String?, _ quantity: NXQuantity) -> Double? {
    let u = (unit ?? "").nxTrimmed.lowercased()
    switch quantity {
    case .length:
        switch u {
        case "m", "metre", "meter", "metres", "meters", "": return 1000
        case "mm", "millimetre", "millimeter", "millimetres", "millimeters": return 1
        case "cm", "centimetre", "centimeter": return 10
        case "um", "µm", "μm", "micron", "microns", "micrometre", "micrometer": return 1e-3
        case "nm", "nanometre", "nanometer": return 1e-6
        case "angstrom", "a", "å", "ångström", "angstroms": return 1e-7
        default: return nil
        }
    case .wavelength:
        switch u {
        case "angstrom", "angstroms", "a", "å", "ångström", "": return 1
        case "nm", "nanometre", "nanometer": return 10
        case "m", "metre", "meter": return 1e10
        case "pm": return 0.01
        default: return nil
        }
    case .angle:
        switch u {
        case "deg", "degree", "degrees", "°", "": return 1
        case "rad", "radian", "radians": return 180 / Double.pi
        case "mrad": return 0.18 / Double.pi
        default: return nil
        }
    case .time:
        switch u {
        case "s", "sec", "second", "seconds", "": return 1
        case "ms", "millisecond", "milliseconds": return 1e-3
        case "us", "µs", "μs", "microsecond", "microseconds": return 1e-6
        case "ns": return 1e-9
        default: return nil
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var nxTrimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" || f == "\0" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" || l == "\0" { s.removeLast() }
        return String(s)
    }
}

extension HDF5Readable {
    /// Values converted to mxflow's unit for `quantity`, using the object's
    /// own `units` attribute (or `unitsAttribute` when the caller names another).
    func readValues(_ quantity: NXQuantity, units: String?) throws -> [Double] {
        guard let scale = nxScale(units, quantity) else {
            throw ImageReadError.badField(path: filePath, field: displayName,
                                          reason: "has units '\(units ?? "")', which are not \(quantity.rawValue)")
        }
        return try readDoubles().map { $0 * scale }
    }
}

extension HDF5Dataset {
    /// The dataset's `units` attribute, or nil.
    var units: String? { (try? stringAttribute("units")) ?? nil }
    /// Values converted to mxflow's unit for `quantity` from the dataset's `units`.
    func readValues(_ quantity: NXQuantity) throws -> [Double] { try readValues(quantity, units: units) }
    /// The first value, converted.
    func readValue(_ quantity: NXQuantity) throws -> Double {
        guard let v = try readValues(quantity).first else {
            throw ImageReadError.badField(path: filePath, field: path, reason: "is empty")
        }
        return v
    }
}
