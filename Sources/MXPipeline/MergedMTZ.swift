// MergedMTZ: merged intensities and French–Wilson amplitudes laid out as the MTZ that dials.merge writes.
import Foundation
import MXFormats
import MXScaling
import MXSymmetry

/// Builds the merged MTZ of dials.merge (`command_line/merge.py`): H K L,
/// IMEAN/SIGIMEAN (J/Q) from the merge of all equivalents; with
/// `anomalous`, I(+)/SIGI(+), I(−)/SIGI(−) (K/M) and N(+)/N(−) (I) from the
/// merge that keeps Friedel mates apart (centric reflections only as I(+));
/// with `truncate`, F(±)/SIGF(±) (G/L) from French–Wilson of I(±) and F/SIGF
/// (F/Q) their inverse-variance mean (French–Wilson of IMEAN without `anomalous`),
/// and DANO = F(+) − F(−), SIGDANO = √(σ₊² + σ₋²) (D/Q) where both exist.
/// Reflections rejected by French–Wilson keep their intensities; their
/// amplitudes are missing (NaN).
public enum MergedMTZ {
    public struct Names: Sendable {
        public var project = "AUTOMATIC", crystal = "XTAL", dataset = "NATIVE"
        public init(project: String = "AUTOMATIC", crystal: String = "XTAL", dataset: String = "NATIVE") {
            self.project = project; self.crystal = crystal; self.dataset = dataset
        }
    }

    public static func make(_ data: UnmergedIntensities, wavelength: Double, anomalous: Bool = true,
                            truncate: Bool = true, names: Names = Names(), history: [String] = []) -> MTZFile {
        let merged = MergedIntensities(merging: data, anomalous: false)
        let g = data.spaceGroup, uc = data.unitCell
        let cell = uc.parameters
        var f = MTZFile(title: "From mxflow merge", cell: cell, symmetry: MTZSymmetry(spaceGroup: g), history: history)
        let ds = f.addDataset(project: names.project, crystal: names.crystal, dataset: names.dataset, cell: cell,
                              wavelength: wavelength)
        let n = merged.count
        let idx = merged.indices
        var columns = [
            MTZColumn(label: "H", type: "H", datasetID: 0, values: idx.map { Float($0.h) }),
            MTZColumn(label: "K", type: "H", datasetID: 0, values: idx.map { Float($0.k) }),
            MTZColumn(label: "L", type: "H", datasetID: 0, values: idx.map { Float($0.l) }),
            MTZColumn(label: "IMEAN", type: "J", datasetID: ds, values: merged.intensities.map(Float.init)),
            MTZColumn(label: "SIGIMEAN", type: "Q", datasetID: ds, values: merged.sigmas.map(Float.init)),
        ]
        let row = Dictionary(uniqueKeysWithValues: idx.enumerated().map { ($1, $0) })
        let nan = [Float](repeating: .nan, count: n)
        var plusI = nan, plusS = nan, minusI = nan, minusS = nan, plusN = nan, minusN = nan
        var anomalousMerge: MergedIntensities? = nil
        if anomalous {
            let a = MergedIntensities(merging: data, anomalous: true)
            anomalousMerge = a
            for k in 0..<a.count {
                guard let r = row[a.keys[k].index] else { continue }
                if a.keys[k].isPlus {
                    plusI[r] = Float(a.intensities[k]); plusS[r] = Float(a.sigmas[k]); plusN[r] = Float(a.multiplicities[k])
                } else {
                    minusI[r] = Float(a.intensities[k]); minusS[r] = Float(a.sigmas[k]); minusN[r] = Float(a.multiplicities[k])
                }
            }
            columns += [
                MTZColumn(label: "I(+)", type: "K", datasetID: ds, values: plusI),
                MTZColumn(label: "SIGI(+)", type: "M", datasetID: ds, values: plusS),
                MTZColumn(label: "I(-)", type: "K", datasetID: ds, values: minusI),
                MTZColumn(label: "SIGI(-)", type: "M", datasetID: ds, values: minusS),
                MTZColumn(label: "N(+)", type: "I", datasetID: ds, values: plusN),
                MTZColumn(label: "N(-)", type: "I", datasetID: ds, values: minusN),
            ]
        }
        if truncate {
            if anomalousMerge == nil {
                let fw = FrenchWilson.convert(intensities: merged.intensities, sigmas: merged.sigmas, indices: idx,
                                              spaceGroup: g, unitCell: uc)
                columns += [
                    MTZColumn(label: "F", type: "F", datasetID: ds,
                              values: (0..<n).map { fw.valid[$0] ? Float(fw.amplitudes[$0]) : .nan }),
                    MTZColumn(label: "SIGF", type: "Q", datasetID: ds,
                              values: (0..<n).map { fw.valid[$0] ? Float(fw.amplitudeSigmas[$0]) : .nan }),
                ]
            }
            if let a = anomalousMerge {
                let afw = FrenchWilson.convert(intensities: a.intensities, sigmas: a.sigmas, indices: a.indices,
                                               spaceGroup: g, unitCell: uc)
                var fp = nan, sp = nan, fm = nan, sm = nan
                for k in 0..<a.count where afw.valid[k] {
                    guard let r = row[a.keys[k].index] else { continue }
                    if a.keys[k].isPlus { fp[r] = Float(afw.amplitudes[k]); sp[r] = Float(afw.amplitudeSigmas[k]) } else {
                        fm[r] = Float(afw.amplitudes[k]); sm[r] = Float(afw.amplitudeSigmas[k])
                    }
                }
                // F/SIGF as dials.merge makes them with anomalous=True: the
                // inverse-variance mean of F(+) and F(−) (merge.py `truncate`),
                // not French–Wilson of IMEAN.
                var fMean = nan, sMean = nan
                for r in 0..<n {
                    var sw: Float = 0, swf: Float = 0
                    for (fv, sv) in [(fp[r], sp[r]), (fm[r], sm[r])] where !fv.isNaN && sv > 0 {
                        sw += 1 / (sv * sv); swf += fv / (sv * sv)
                    }
                    if sw > 0 { fMean[r] = swf / sw; sMean[r] = 1 / sw.squareRoot() }
                }
                columns += [
                    MTZColumn(label: "F", type: "F", datasetID: ds, values: fMean),
                    MTZColumn(label: "SIGF", type: "Q", datasetID: ds, values: sMean),
                ]
                let dano = (0..<n).map { fp[$0] - fm[$0] }          // NaN unless both exist
                let sigdano = (0..<n).map { (sp[$0] * sp[$0] + sm[$0] * sm[$0]).squareRoot() }
                columns += [
                    MTZColumn(label: "F(+)", type: "G", datasetID: ds, values: fp),
                    MTZColumn(label: "SIGF(+)", type: "L", datasetID: ds, values: sp),
                    MTZColumn(label: "F(-)", type: "G", datasetID: ds, values: fm),
                    MTZColumn(label: "SIGF(-)", type: "L", datasetID: ds, values: sm),
                    MTZColumn(label: "DANO", type: "D", datasetID: ds, values: dano),
                    MTZColumn(label: "SIGDANO", type: "Q", datasetID: ds, values: sigdano),
                ]
            }
        }
        f.columns = columns
        f.sortOrder = [1, 2, 3, 0, 0]
        return f
    }
}
