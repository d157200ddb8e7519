// IceRings: the powder lines of hexagonal ice that crystallographers see on frames.

/// Hexagonal ice (Ih) in and around a crystal gives powder rings at fixed
/// spacings, whatever the wavelength.
public enum IceRings {
    /// Its strongest lines (Å), the ones visible on diffraction frames.
    public static let spacings = [3.897, 3.669, 3.441, 2.671, 2.249, 2.072, 1.948, 1.918, 1.883, 1.721]
}
