// Elementary functions from the C library, without importing Foundation into
// every numeric file, plus degree/radian conversion.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable public func sinDouble(_ x: Double) -> Double { sin(x) }
@inlinable public func cosDouble(_ x: Double) -> Double { cos(x) }
@inlinable public func atan2Double(_ y: Double, _ x: Double) -> Double { atan2(y, x) }

/// Degrees → radians. mxflow computes in radians; degrees appear only at I/O.
@inlinable public func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
/// Radians → degrees.
@inlinable public func degrees(_ radians: Double) -> Double { radians * 180 / .pi }
