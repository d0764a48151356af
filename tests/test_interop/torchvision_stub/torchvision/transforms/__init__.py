"""Stand-in ``torchvision.transforms`` (see the package docstring)."""


class ToPILImage:
    """Placeholder: raises when used (no interop test draws SimCC maps)."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError('torchvision stand-in of the interop tests: ToPILImage is not available')
