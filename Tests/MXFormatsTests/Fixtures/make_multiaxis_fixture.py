# Builds a fixture with a multi-axis goniometer and a two-level detector hierarchy, written by dxtbx.
from dxtbx.model.experiment_list import ExperimentListFactory
from dxtbx.model import MultiAxisGoniometer, Detector, Panel
from scitbx.array_family import flex
import json
el = ExperimentListFactory.from_json_file("cbf/imported.expt", check_format=False)
axes = flex.vec3_double([(1,0,0),(0.914,0.279,-0.297),(1,0,0)])
angles = flex.double([10.0, 30.0, -20.0])
names = flex.std_string(["PHI","KAPPA","OMEGA"])
g = MultiAxisGoniometer(axes, angles, names, 2)
d = Detector()
root = d.hierarchy()
root.set_local_frame((1,0,0),(0,-1,0),(-80.0,80.0,-200.0))
grp = root.add_group()
grp.set_name("G1")
import math
c, s = math.cos(0.1), math.sin(0.1)
grp.set_local_frame((c,s,0),(-s,c,0),(5.0,2.0,1.0))
for i,(ox,oy) in enumerate([(0,0),(0,90)]):
    p = grp.add_panel()
    p.set_name("P%d"%i); p.set_type("SENSOR_PAD")
    p.set_image_size((487,195)); p.set_pixel_size((0.172,0.172)); p.set_trusted_range((-1,1e6))
    p.set_local_frame((1,0,0),(0,1,0),(ox,oy,0.5))
el[0].goniometer = g
el[0].detector = d
el.as_file("multiaxis.expt")
el2 = ExperimentListFactory.from_json_file("multiaxis.expt", check_format=False)
g2 = el2[0].goniometer
print("F", list(g2.get_fixed_rotation())); print("S", list(g2.get_setting_rotation())); print("axis", g2.get_rotation_axis_datum(), g2.get_rotation_axis())
for p in el2[0].detector:
    print(p.get_name(), "origin", p.get_origin(), "fast", p.get_fast_axis(), "slow", p.get_slow_axis())
