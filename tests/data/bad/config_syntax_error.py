model = dict(type="TopdownPoseEstimator"
