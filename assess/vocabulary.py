"""The fixed metadata values, in a module light enough for the command line's start-up."""

META_VALUES: dict[str, tuple[str, ...]] = {
    "scope": ("part", "whole"),
    "phase": ("discovery", "alpha", "beta", "live", "retiring"),
    "kind": ("self", "assessor"),
}
