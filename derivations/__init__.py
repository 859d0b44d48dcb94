"""Derivations of the paper's symbolic claims as statements proved by SymPy and z3, one module per claim group
(formula.py: statements; plain.py: their plain text; provers.py: the two provers; registry.py: @derivation;
render.py: LaTeX and Markdown; build.py: the run)."""

GROUPS = {
    "trpo": "TRPO at gamma = 1 (Sec. 2, App. B, D.3, D.8)",
    "apc": "APC-Obj (Def 3.2, App. C.1-C.2, D.4-D.6)",
    "rgf": "RGF forms, relaxation chains and the GSPO TV bound (App. C.4–C.6)",
    "fbg": "Fiber Bundle Gating (Def 4.3, Thm 4.5)",
    "der": "Derivation of FiberPO (App. E.5.2-E.5.4)",
    "fpo": "FiberPO gate, Jacobian and constituents (Sec. 5, App. E.5.4)",
    "fgh": "Fibration Gating Hierarchy and FiberPO-Domain (Sec. 6, App. E.7)",
}
