// ParameterisedModel: every model parameterisation of an experiment list, its free-parameter vector, and the models it gives.
import MXMath
import MXModel
import MXSymmetry
import MXPrediction

/// Which part of which model a free parameter belongs to.
public enum ParameterOwner: Equatable, Sendable {
    case beam(Int)
    case detector(Int)
    case orientation(Int)
    case cell(Int)
}

/// One free parameter: its owner, index within its parameterisation, and name (DIALS style, e.g. "Detector1Dist").
public struct ParameterSlot: Equatable, Sendable {
    public var owner: ParameterOwner
    public var local: Int
    public var name: String
}

/// The parameterisations of all models of an experiment list. Experiments
/// that hold equal beams, detectors or crystals share one parameterisation
/// (two lattices in one sweep share the beam and detector), as DIALS shares
/// models by identity.
public struct ParameterisedModel: Sendable {
    public var beams: [BeamParameterisation] = []
    public var detectors: [DetectorParameterisation] = []
    public var orientations: [CrystalOrientationParameterisation] = []
    public var cells: [UnitCellParameterisation] = []
    /// Per experiment: indices of its beam, detector and crystal parameterisations.
    public var experimentModels: [(beam: Int, detector: Int, crystal: Int)] = []
    /// The free parameters, in the order of the refined vector.
    public var slots: [ParameterSlot] = []
    public let experiments: ExperimentList

    public init(_ experiments: ExperimentList, parameters: RefinementParameters, logger warn: (String) -> Void) throws {
        self.experiments = experiments
        var beamModels: [Beam] = [], detectorModels: [Detector] = [], crystals: [Crystal] = []
        for (i, e) in experiments.experiments.enumerated() {
            guard let crystal = e.crystal else { throw RefinementError.noCrystal(experiment: i) }
            guard e.goniometer != nil, e.scan != nil else { throw RefinementError.notARotationScan(experiment: i) }
            var b = beamModels.firstIndex(of: e.beam)
            if b == nil {
                beamModels.append(e.beam)
                beams.append(BeamParameterisation(beam: e.beam, spindle: e.goniometer?.rotationAxis))
                b = beamModels.count - 1
            }
            var d = detectorModels.firstIndex(of: e.detector)
            if d == nil {
                detectorModels.append(e.detector)
                detectors.append(DetectorParameterisation(detector: e.detector))
                d = detectorModels.count - 1
            }
            var c = crystals.firstIndex(of: crystal)
            if c == nil {
                crystals.append(crystal)
                guard let u = crystal.U, let b = crystal.B else { throw RefinementError.degenerateCrystal(experiment: i) }
                orientations.append(CrystalOrientationParameterisation(U: u))
                var constraints = try MetricConstraints(rotations: [[1, 0, 0, 0, 1, 0, 0, 0, 1]])
                if crystal.spaceGroupHall.trimmingCharacters(in: .whitespaces) != "P 1" {
                    do { constraints = try MetricConstraints(spaceGroup: crystal.spaceGroup()) } catch {
                        warn("Crystal \(crystals.count): cannot constrain the cell to its space group (\(error)); refining all six metric parameters")
                    }
                }
                cells.append(UnitCellParameterisation(B: b, constraints: constraints))
                c = crystals.count - 1
            }
            experimentModels.append((b!, d!, c!))
        }
        // Free parameters, DIALS' order: beams, crystals (orientation, cell), detectors.
        let beamFree: [Bool] = [!parameters.beamFix.contains(.inSpindlePlane) && !parameters.beamFix.contains(.all),
                                !parameters.beamFix.contains(.outSpindlePlane) && !parameters.beamFix.contains(.all)]
        for i in beams.indices {
            for k in 0..<2 where beamFree[k] {
                slots.append(ParameterSlot(owner: .beam(i), local: k, name: "Beam\(i + 1)\(BeamParameterisation.names[k])"))
            }
        }
        for i in orientations.indices {
            if !parameters.fixCrystalOrientation {
                for k in 0..<3 {
                    slots.append(ParameterSlot(owner: .orientation(i), local: k,
                                               name: "Crystal\(i + 1)\(CrystalOrientationParameterisation.names[k])"))
                }
            }
            if !parameters.fixCrystalCell {
                for (k, n) in cells[i].names.enumerated() {
                    slots.append(ParameterSlot(owner: .cell(i), local: k, name: "Crystal\(i + 1)\(n)"))
                }
            }
        }
        let detFree: [Bool] = (0..<6).map { k in
            switch parameters.detectorFix {
            case .none: return true
            case .all: return false
            case .position: return k >= 3
            case .orientation: return k < 3
            case .distance: return k != 0
            case .distanceAndOrientation: return k == 1 || k == 2
            }
        }
        for i in detectors.indices {
            for k in 0..<6 where detFree[k] {
                slots.append(ParameterSlot(owner: .detector(i), local: k,
                                           name: "Detector\(i + 1)\(DetectorParameterisation.names[k])"))
            }
        }
    }

    /// The free-parameter vector.
    public var values: [Double] {
        get {
            slots.map { s in
                switch s.owner {
                case .beam(let i): return beams[i].values[s.local]
                case .detector(let i): return detectors[i].values[s.local]
                case .orientation(let i): return orientations[i].values[s.local]
                case .cell(let i): return cells[i].values[s.local]
                }
            }
        }
        set {
            for (s, v) in zip(slots, newValue) {
                switch s.owner {
                case .beam(let i): beams[i].values[s.local] = v
                case .detector(let i): detectors[i].values[s.local] = v
                case .orientation(let i): orientations[i].values[s.local] = v
                case .cell(let i): cells[i].values[s.local] = v
                }
            }
        }
    }

    /// The experiment list at the current values.
    public func refinedExperiments() -> ExperimentList {
        var out = experiments
        for (i, m) in experimentModels.enumerated() {
            out[i].beam = beams[m.beam].beam
            out[i].detector = detectors[m.detector].detector
            if let bd = cells[m.crystal].bAndDerivatives(), var c = out[i].crystal,
               let refined = Crystal(A: orientations[m.crystal].uAndDerivatives().u * bd.b, spaceGroupHall: c.spaceGroupHall) {
                c.realSpaceA = refined.realSpaceA; c.realSpaceB = refined.realSpaceB; c.realSpaceC = refined.realSpaceC
                // A static refinement supersedes any earlier scan-varying matrices.
                c.aAtScanPoints = []
                out[i].crystal = c
            }
        }
        return out
    }
}
