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
    "console.bands_named": ("{bands}（{name}）", "{bands} ({name})"),
    # the form and survey commands (cli_collect.py)
    "console.dry_run": ("试运行：未写入任何文件", "dry run: nothing written"),
    "console.updated": ("{book}：已更新；备份：{bak}", "{book}: updated; backup: {bak}"),
    "console.yes": ("是", "yes"),
    "console.no": ("否", "no"),
    "console.feedback_sheet": ("一致性反馈", "Consistency feedback"),
    "console.feedback_expert": ("专家", "expert"),
    "console.feedback_node": ("比较组", "node"),
    "console.feedback_cr": ("CR", "CR"),
    "console.feedback_a": ("要素A", "A"),
    "console.feedback_b": ("要素B", "B"),
    "console.feedback_current": ("当前判断 a_AB", "current a_AB"),
    "console.feedback_suggested": ("建议判断 a_AB", "suggested a_AB"),
    "console.feedback_cr_after": ("修改后CR", "CR after"),
    "console.feedback_reached": ("是否达标", "reached"),
    "console.feedback_most_inconsistent": ("最不一致的一对", "most inconsistent"),
    # forms collected and surveys imported (collect.py)
    "delphi_round_sheet": ("德尔菲第 {k} 轮", "Delphi round {k}"),
    "column_letter": ("{c} 列", "column {c}"),
    "more_questions": (" 等另 {more} 道", " and {more} more"),
    "unknown_option_order": ("{n} 道题的答案是选项序号（{shown}{more}），但不知道选项的顺序："
                             "请用 --first-option 说明选项1的文字（--first-option 非常满意：选项1最好；--first-option 非常不满意：选项1最差），"
                             "或在 --map 中填写反向计分列（或选项1列）",
                             "the answers of {n} question(s) are option numbers ({shown}{more}) and the order of the "
                             "options is not known; state the text of option 1 with --first-option 非常满意 (option 1 is "
                             "the best; very satisfied) or --first-option 非常不满意 (option 1 is the worst; very "
                             "dissatisfied), or give --map with the reverse column (or the first-option column)"),
    "screened_count": ("{reason} {n} 份", "{reason} {n}"),
    "nothing_flagged": ("未发现可疑答卷", "nothing flagged"),
    "screened_removed": ("（已剔除）", " (removed)"),
    "screened_kept": ("（标记但未剔除）", " (flagged, kept)"),
    # known band-set names as each edition shows them
    "bands_name.mof2020": ("财预〔2020〕10号", "MOF 2020 No.10 (mof2020)"),
}
