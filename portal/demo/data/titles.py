"""Wording of the demo title cases: comments, notes and references. All of it is synthetic."""

# The remark an officer leaves with each workflow transition, by the transition's name.
TRANSITION_COMMENTS: dict[str, str] = {
    "collect": "权属来源材料已收集：划拨决定书、建设工程规划许可证、竣工验收资料。（演示数据）",
    "verify": "账账、账实、账证三项核对一致，予以核实。（演示数据）",
    "dispute": "相邻单位对宗地界址提出异议，暂缓申请，待协调处理。（演示数据）",
    "submit": "已向不动产登记机构提交统一登记申请。（演示数据）",
    "register": "已登记至机关事务管理局，领取不动产权证书。（演示数据）",
    "file": "历史遗留问题暂不具备登记条件，已办理权属备案。（演示数据）",
    "exempt": "涉密或安全保卫用房，经批准登记至使用单位。（演示数据）",
}

RECONCILIATION_NOTES: dict[str, str] = {
    "books_books": "资产账与办公用房台账一致。（演示数据）",
    "books_reality": "实地核查建筑位置、层数和面积与台账一致。（演示数据）",
    "books_certificates": "台账与权属来源材料一致。（演示数据）",
}

# Units whose buildings are security cases: exempt from central registration like classified ones.
SECURITY_UNITS = ("四川省公安厅",)
EXEMPTION_REASON = "涉密或安全保卫用房，不纳入统一登记，经批准登记至使用单位。（演示数据）"
DOCUMENT_TITLE = "清查核对材料（演示数据）"
# The download name of the evidence file; ASCII, as uploads are stored under a hashed name.
DOCUMENT_NAME = "synthetic-demo-document.pdf"


def approval_no(year: int, number: int) -> str:
    """An approval number of the provincial offices administration (川机管批〔2026〕12号)."""
    return f"川机管批〔{year}〕{number}号"


def filing_reference(county: str, year: int, number: int) -> str:
    """A title filing record number (权属备案号)."""
    return f"备{county}-{year}-{number:04d}"


def issuing_authority(place: str) -> str:
    return f"{place}不动产登记中心"
