model = dict(type="TopdownPoseEstimator", scale=1 / 0)
