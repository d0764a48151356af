"""Part refiners (MODELS): face / hand keypoints of whole-body poses refined
at the parts' own resolution, built from a pose config's ``part_refiner``."""
from .wholebody_part_refiner import WholeBodyPartRefiner

__all__ = ['WholeBodyPartRefiner']
