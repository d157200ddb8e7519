// Goniometer: the rotation axis with its fixed and setting rotations.
import MXMath

/// A single-axis goniometer in dxtbx's form: a lab vector `x` on the crystal
/// at scan angle φ is `S · R(axis, φ) · F · x`, where F (fixed rotation) holds
/// the axes mounted on top of the scan axis and S (setting rotation) those
/// below it. Multi-axis chains (kappa, omega + phi) reduce to this form with
/// the scan axis chosen, as dxtbx's MultiAxisGoniometer does.
public struct Goniometer: Equatable, Sendable {
    /// Rotation axis before the setting rotation (dxtbx "rotation_axis", the datum).
    public var rotationAxisDatum: Vec3
    public var fixedRotation: Mat3 = .identity
    public var settingRotation: Mat3 = .identity
    /// For multi-axis goniometers: each axis' name, vector and angle (degrees),
    /// and which axis is scanned; empty for a plain single axis.
    public var axes: [Axis] = []
    public var scanAxisIndex: Int = 0

    /// One physical axis of a multi-axis goniometer, outermost (closest to the
    /// floor) last, as NXmx and dxtbx order them.
    public struct Axis: Equatable, Sendable {
        public var name: String
        public var vector: Vec3
        public var angleDegrees: Double
        public init(name: String, vector: Vec3, angleDegrees: Double) {
            self.name = name; self.vector = vector; self.angleDegrees = angleDegrees
        }
    }

    public init(rotationAxis: Vec3 = Vec3(1, 0, 0), fixedRotation: Mat3 = .identity,
                settingRotation: Mat3 = .identity) {
        self.rotationAxisDatum = rotationAxis.normalized
        self.fixedRotation = fixedRotation
        self.settingRotation = settingRotation
    }

    /// A multi-axis goniometer: `axes[i]` sits on top of `axes[i+1]` (index 0
    /// nearest the crystal). The scan axis' own angle is taken as the zero of φ;
    /// axes above it go into F, axes below it into S.
    public init(axes: [Axis], scanAxis: Int) {
        precondition(axes.indices.contains(scanAxis), "scan axis index out of range")
        // dxtbx order: F = R(s−1)…R(1)·R(0), S = R(n−1)…R(s+1).
        let fixed = axes[..<scanAxis].reduce(Mat3.identity) { acc, a in
            Mat3.rotation(axis: a.vector, angle: radians(a.angleDegrees)) * acc
        }
        let setting = axes[(scanAxis + 1)...].reduce(Mat3.identity) { acc, a in
            Mat3.rotation(axis: a.vector, angle: radians(a.angleDegrees)) * acc
        }
        self.init(rotationAxis: axes[scanAxis].vector, fixedRotation: fixed, settingRotation: setting)
        self.axes = axes
        self.scanAxisIndex = scanAxis
    }

    /// The effective rotation axis in the lab frame, S · axis (dxtbx `get_rotation_axis`).
    public var rotationAxis: Vec3 { (settingRotation * rotationAxisDatum).normalized }

    /// The full rotation S · R(axis, φ) · F taking crystal-frame vectors at φ=0
    /// (before F) to the lab frame at scan angle φ (radians).
    public func rotation(at phi: Double) -> Mat3 {
        settingRotation * Mat3.rotation(axis: rotationAxisDatum, angle: phi) * fixedRotation
    }
}
