"""The command line's and the console's words, in Chinese and English."""

from __future__ import annotations

__all__ = ["SHELL"]

SHELL: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- the summary (console.py)
    "console.total": ("加权总分", "Weighted total"),
    "console.score100": ("百分制得分", "100-point score"),
    "console.rating": ("评价等级", "Rating"),
    "console.bands": ("等级划分", "Bands"),
    "console.dims": ("维度得分", "Dimension subtotals"),
    "console.code": ("编码", "Code"),
    "console.name": ("名称", "Name"),
    "console.weight": ("权重", "Weight"),
    "console.score": ("得分", "Score"),
    "console.contribution": ("贡献", "Contribution"),
    "console.consistency": ("一致性检验（阈值 CR < {t:g}）", "Consistency (threshold CR < {t:g})"),
    "console.node": ("节点", "Node"),
    "console.matrix": ("矩阵", "Matrix"),
    "console.cr": ("CR", "CR"),
    "console.status": ("结论", "Status"),
    "console.repair": ("最少修改建议", "Smallest repair"),
    "console.ok": ("通过", "ok"),
    "console.fail": ("未通过", "CR too high"),
    "console.aggregate": ("集结", "aggregate"),
    "console.hier": ("层次总排序 CR", "Hierarchy CR"),
    "console.experts_bad": ("{k}/{n} 个专家矩阵 CR ≥ {t:g}（仍按专家权重参与集结）",
                            "{k} of {n} expert matrices have CR ≥ {t:g} (they still enter the aggregate, weighted)"),
    "console.delphi": ("德尔菲", "Delphi"),
    "console.round": ("第 {k} 轮", "round {k}"),
    "console.kendall": ("肯德尔协调系数 W", "Kendall W"),
    "console.authority": ("专家权威系数 Cr", "Authority coefficient Cr"),
    "console.priorities": ("优先改进指标（按加权差距）", "Top improvement priorities (weighted gap)"),
    "console.rank": ("排名", "Rank"),
    "console.stage": ("PDCA 阶段", "PDCA"),
    "console.wgap": ("加权差距", "Weighted gap"),
    "console.loss": ("百分制失分", "100-pt loss"),
    "console.files": ("生成的文件", "Files written"),
    "console.sens": ("敏感性（{d} 次抽样，95% 区间）", "Sensitivity ({d} draws, 95% interval)"),
    "console.sens_j": ("判断扰动", "judgment perturbation"),
    "console.sens_b": ("专家重抽样", "panel bootstrap"),
    "console.sens_r": ("答卷重抽样", "respondent bootstrap"),
    "console.stays": ("等级不变", "rating unchanged"),
    "console.pending": ("待问卷", "pending survey"),
    "console.pending_note": ("问卷尚未导入或有指标无人作答（{codes}）：指标得分、总分、百分制得分和等级待问卷导入后计算；"
                             "权重、一致性检验和德尔菲统计已计算。",
                             "No survey answers yet for {codes}: indicator scores, total, 100-point score and grade "
                             "are pending the survey; weights, consistency and Delphi figures are computed."),
    "console.not_significant": ("专家意见协调程度不显著", "expert agreement not significant"),
    "console.bands_named": ("{bands}（{name}）", "{bands} ({name})"),
    # known band-set names as each edition shows them
    "bands_name.mof2020": ("财预〔2020〕10号", "MOF 2020 No.10 (mof2020)"),
}
