"""Dataset classes and metainfo parsing."""
from .utils import parse_pose_metainfo, repo_root, resolve_config_path

__all__ = ['parse_pose_metainfo', 'resolve_config_path', 'repo_root']
