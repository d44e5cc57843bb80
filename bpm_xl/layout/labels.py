"""Every caption the workbook shows, in Chinese and English, keyed by role.

Code never looks a sheet up by its caption: sheets are found by the defined name
``BPM_ROLE_<ROLE>`` that points at their A1 cell, so either edition works with the same code.
"""

from __future__ import annotations

SHEETS: dict[str, dict[str, str]] = {
    "guide": {"zh": "说明", "en": "Guide"},
    "settings": {"zh": "设置", "en": "Settings"},
    "indicators": {"zh": "指标体系", "en": "Indicators"},
    "experts": {"zh": "专家", "en": "Experts"},
    "judgments": {"zh": "判断矩阵", "en": "Judgments"},
    "delphi": {"zh": "德尔菲", "en": "Delphi"},
    "survey": {"zh": "问卷", "en": "Survey"},
    "weights": {"zh": "权重", "en": "Weights"},
    "evaluation": {"zh": "评价", "en": "Evaluation"},
    "delphi_summary": {"zh": "德尔菲结果", "en": "Delphi results"},
    "diagnosis": {"zh": "诊断", "en": "Diagnosis"},
    "dashboard": {"zh": "仪表盘", "en": "Dashboard"},
    "sensitivity": {"zh": "敏感性", "en": "Sensitivity"},
    "rectification": {"zh": "整改清单", "en": "Rectification"},
    "measures": {"zh": "整改措施库", "en": "Measures"},
}

INPUT_ROLES = ("guide", "settings", "indicators", "experts", "judgments", "delphi", "survey", "rectification",
               "measures")
#: Input sheets whose layout follows the indicator list / panel; rebuild restructures them
#: and carries every value entered for codes that still exist.
RESHAPED_INPUT_ROLES = ("judgments", "delphi", "survey")
#: Input sheets whose cells beyond bpm-xl's columns a rebuild keeps as typed (bpm-xl's own
#: columns are laid out from what the reader found; the 整改清单 adds pre-filled rows).
USER_ROLES = ("guide", "settings", "indicators", "experts", "rectification", "measures")
OUTPUT_ROLES = ("weights", "evaluation", "delphi_summary", "diagnosis", "dashboard", "sensitivity")

_T: dict[str, tuple[str, str]] = {
    # settings
    "settings_title": ("评价设置", "Evaluation settings"),
    "setting": ("项目", "Setting"),
    "value": ("取值", "Value"),
    "explanation": ("说明", "Explanation"),
    "method": ("权重计算方法", "Weighting method"),
    "method_note": ("eigen 特征向量法（默认）、geomean 几何平均法、arith 算术平均法",
                    "eigen principal eigenvector (default), geomean row geometric mean, arith column average"),
    "random_index": ("随机一致性指标 RI 表", "Random index (RI) table"),
    "random_index_note": ("cn 国内教材常用表（默认）、saaty1980、saaty2005、donegan_dodd、alonso_lamata",
                          "cn (Chinese textbooks, default), saaty1980, saaty2005, donegan_dodd, alonso_lamata"),
    "aggregation": ("群组集结方式", "Group aggregation"),
    "aggregation_note": ("aij 判断矩阵加权几何平均（默认）、aip 权重加权几何平均",
                         "aij weighted geometric mean of judgments (default), aip of priorities"),
    "expert_weighting": ("专家权重", "Expert weights"),
    "expert_weighting_note": ("authority 按权威系数 Cr（默认）、equal 等权",
                              "authority by authority coefficient Cr (default), equal"),
    "scale_min": ("问卷量表最低分", "Survey scale minimum"),
    "scale_max": ("问卷量表最高分（满分）", "Survey scale maximum (full score)"),
    "cr_threshold": ("一致性比率阈值", "Consistency ratio threshold"),
    "cr_threshold_note": ("CR 小于该值视为通过，通常 0.10", "CR below this passes; usually 0.10"),
    "min_mean": ("德尔菲筛选：均值下限", "Delphi screening: minimum mean"),
    "max_cv": ("德尔菲筛选：变异系数上限", "Delphi screening: maximum CV"),
    "survey_min_seconds": ("问卷筛选：最短答题时间（秒）", "Survey screening: minimum answer time (seconds)"),
    "survey_min_seconds_note": ("导入问卷时，答题用时少于该值的答卷计为“答题过快”", "import-survey counts answers faster than this as too fast"),
    "survey_screen": ("问卷筛选：剔除可疑答卷", "Survey screening: drop flagged answers"),
    "survey_screen_note": ("否：只报告重复、过快、同一答案、缺答过多的答卷；是：导入时剔除它们",
                           "no: only report duplicates, too fast, straight-lining, too many missing; yes: drop them on import"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "about_title": ("评价信息（显示在仪表盘标题和报告中）", "About this evaluation (shown on the dashboard and in the report)"),
    "unit": ("单位", "Unit"),
    "year": ("年度", "Year"),
    "evaluator": ("评价单位（落款）", "Evaluating body (signs the report)"),
    "report_info_title": ("报告信息（显示在评价报告中）", "Report details (shown in the evaluation report)"),
    "report_date": ("报告日期", "Report date"),
    "functions": ("被评价单位职能与机构", "Functions and organisation of the unit"),
    "budget": ("年度预算规模", "Annual budget"),
    "scope": ("纳入评价的部门和项目数量", "Departments and projects covered"),
    "organisation": ("评价组织方式", "How the evaluation was organised"),
    "problem_line": ("问题判定线（百分制）", "Problem line (100-point)"),
    "survey_sent": ("问卷发放份数", "Questionnaires sent"),
    "survey_received": ("问卷收回份数", "Questionnaires received"),
    "survey_excluded": ("筛除份数", "Responses screened out"),
    "survey_reasons": ("筛查情况", "Screening"),
    "meta_note": ("留空时报告显示“待填写”", "left blank, the report shows 'to fill in'"),
    "problem_line_note": ("百分制得分低于此线的指标（以及得分最低的 3 项）列为问题；留空取 80（良）",
                          "indicators scoring below this (and the 3 lowest) are problems; blank means 80"),
    "survey_import_note": ("导入问卷时由 bpm-xl 填写，可修改", "filled in by import-survey; you may edit"),
    "data_kind": ("本文件的数据", "Data in this file"),
    "data_kind_note": ("由 bpm-xl 填写：示例数据 / 本单位数据 / 空白（改动输入后重建即变为本单位数据）",
                       "Set by bpm-xl: example data / own data / blank (becomes own data once inputs change and you rebuild)"),
    "data_example": ("示例数据", "example data"),
    "data_own": ("本单位数据", "own data"),
    "data_blank": ("空白", "blank"),
    "python_probe": ("Python 检测（勿改）", "Python check (do not edit)"),
    "bands_title": ("评级标准（按百分制得分，从高到低）", "Rating bands (100-point score, highest first)"),
    "bands_name": ("评级标准名称", "Band set name"),
    "bands_name_value": ("财预〔2020〕10号", "MOF 2020 No.10"),
    "grade": ("等级", "Grade"),
    "lower": ("下限（含）", "Lower bound (incl.)"),
    "label_zh": ("中文", "Chinese"),
    "label_en": ("英文", "English"),
    # indicators
    "indicators_title": ("指标体系（可增删行；改动后请点击“重建”）",
                         "Indicator system (add or delete rows, then click Rebuild)"),
    "dim_code": ("维度代码", "Dimension code"),
    "dim_zh": ("维度名称", "Dimension (Chinese)"),
    "dim_en": ("维度英文名", "Dimension (English)"),
    "ind_code": ("指标代码", "Indicator code"),
    "ind_zh": ("指标名称", "Indicator (Chinese)"),
    "ind_en": ("指标英文名", "Indicator (English)"),
    "pdca": ("PDCA 阶段", "PDCA stage"),
    # experts
    "experts_title": ("专家组（权威系数自评）", "Expert panel (authority self-ratings)"),
    "expert_code": ("专家代码", "Expert code"),
    "expert_name": ("姓名", "Name"),
    "ca": ("判断依据 Ca", "Judgment basis Ca"),
    "cs": ("熟悉程度 Cs", "Familiarity Cs"),
    "ca_note": ("Ca = 实践经验(.5/.4/.3) + 理论分析(.3/.2/.1) + 参考文献(.1) + 直觉(.1)",
                "Ca = practice (.5/.4/.3) + theory (.3/.2/.1) + literature (.1) + intuition (.1)"),
    "cs_note": ("Cs：很熟悉 1、熟悉 0.8、一般 0.5、不太熟悉 0.3、不熟悉 0.1",
                "Cs: very familiar 1, familiar .8, moderately .5, slightly .3, unfamiliar .1"),
    # judgments
    "judgments_title": ("两两比较判断矩阵（只填上三角，1-9 标度，可输入 1/3 这样的分数；下三角自动取倒数）",
                        ("Pairwise judgments (fill the upper triangle on the 1-9 scale; fractions such as 1/3 "
                         "are fine; the lower triangle is filled with reciprocals)")),
    "node_goal": ("目标层：各维度相对重要性", "Goal: relative importance of the dimensions"),
    "node_dim": ("维度 {code} {name}：各指标相对重要性", "Dimension {code} {name}: relative importance of its indicators"),
    "expert": ("专家", "Expert"),
    "element": ("元素", "Element"),
    # delphi
    "delphi_title": ("德尔菲专家咨询（指标重要性评分，1-5 分）", "Delphi consultation (importance ratings 1-5)"),
    "round": ("第 {k} 轮", "Round {k}"),
    "round_col": ("轮次", "Round"),
    "sent": ("发放问卷数", "Questionnaires sent"),
    "returned": ("回收问卷数", "Questionnaires returned"),
    "positive": ("积极系数", "Positive coefficient"),
    # survey
    "survey_title": ("问卷答案（每行一位受访者，1-5 分，可留空）", "Survey answers (one respondent per row, 1-5, blanks allowed)"),
    "respondent": ("受访者", "Respondent"),
    # weights
    "weights_title": ("权重与一致性检验", "Weights and consistency"),
    "ew_title": ("专家权重（权威系数 Cr = (Ca + Cs) / 2）", "Expert weights (authority Cr = (Ca + Cs) / 2)"),
    "cr_col": ("权威系数 Cr", "Authority Cr"),
    "ew_col": ("专家权重", "Expert weight"),
    "agg_matrix": ("群组判断矩阵", "Group judgment matrix"),
    "weight": ("权重", "Weight"),
    "consistency": ("一致性检验", "Consistency"),
    "pass_row": ("通过（CR<阈值）", "Passes (CR < threshold)"),
    "ri_table_row": ("RI 取值表", "RI table"),
    "worst": ("最不一致的判断（CR ≥ 阈值时建议修改）", "Most inconsistent judgments (revise when CR ≥ threshold)"),
    "expert_cr_title": ("各专家判断矩阵的一致性比率 CR", "Consistency ratio of each expert's matrices"),
    # evaluation
    "evaluation_title": ("绩效评价结果", "Performance evaluation"),
    "dimension": ("维度", "Dimension"),
    "indicator": ("指标", "Indicator"),
    "code": ("代码", "Code"),
    "local_weight": ("层内权重", "Local weight"),
    "dim_weight": ("维度权重", "Dimension weight"),
    "global_weight": ("综合权重", "Global weight"),
    "mean_score": ("平均得分", "Mean score"),
    "answers": ("有效答卷", "Answers"),
    "weighted_score": ("加权得分", "Weighted score"),
    "dim_table": ("维度汇总", "Dimension summary"),
    "contribution": ("加权得分贡献", "Contribution"),
    "dim_score": ("维度平均得分", "Dimension score"),
    "score100": ("百分制", "100-point"),
    "total": ("综合绩效得分", "Weighted performance score"),
    "total100": ("百分制得分", "100-point score"),
    "rating": ("评级", "Rating"),
    "rating_label": ("评级（中文）", "Rating word"),
    "bands_used": ("评级标准", "Bands applied"),
    "method_used": ("方法", "Method"),
    "hierarchy_cr": ("层次总排序一致性比率", "Hierarchy consistency ratio"),
    # delphi summary
    "delphi_summary_title": ("德尔菲咨询结果", "Delphi results"),
    "authority_title": ("专家权威程度", "Expert authority"),
    "panel": ("专家组均值", "Panel mean"),
    "stats": ("指标评分统计", "Rating statistics"),
    "kendall": ("肯德尔协调系数", "Kendall's W"),
    "kendall_verdict": ("协调程度 (p<0.05)", "Agreement (p<0.05)"),
    "kendall_significant": ("专家意见协调程度显著", "expert agreement significant"),
    "pending_note": ("待问卷：", "Pending survey: "),
    "pending_tail": (" 个指标尚无问卷答案，其得分、维度得分、总分和等级在问卷导入后计算（权重和一致性检验已计算）",
                     " indicator(s) have no survey answers yet; their scores, the dimension scores, the total "
                     "and the grade are computed once the survey is imported (weights and consistency are computed)"),
    "screen": ("指标筛选（均值 ≥ 下限 且 CV ≤ 上限）", "Screening (mean ≥ minimum and CV ≤ maximum)"),
    # diagnosis
    "diagnosis_title": ("改进诊断（按加权差距排序，PDCA 循环）", "Where to improve (ranked by weighted gap, PDCA)"),
    "gap": ("差距", "Gap"),
    "weighted_gap": ("加权差距", "Weighted gap"),
    "share": ("占比", "Share"),
    "rank": ("排名", "Rank"),
    "ranked": ("改进优先顺序", "Improvement priorities"),
    "stage_summary": ("按 PDCA 阶段汇总加权差距", "Weighted gap by PDCA stage"),
    "stage": ("阶段", "Stage"),
    # dashboard
    "dashboard_title": ("预算绩效管理评价仪表盘", "Budget performance evaluation dashboard"),
    "dashboard_title_meta": ("预算绩效管理评价", "budget performance management evaluation"),
    "python_missing": ("⚠ 此处不能运行本文件的 Python 函数：#VALUE!、#NAME? 和不随输入更新的数字由此而来。"
                       "请用便携版 <文件名>_portable.xlsx（bpm-xl export 本文件 --portable 或 bpm-xl new --portable）",
                       "⚠ Python functions cannot run here: #VALUE!/#NAME? cells and figures that do not follow edits "
                       "come from this. Use <name>_portable.xlsx (bpm-xl export THIS --portable, or bpm-xl new --portable)"),
    "forms_button": ("生成专家问卷", "Expert forms"),
    "collect_button": ("收回问卷", "Collect forms"),
    "report_button": ("生成Word报告", "Word report"),
    # rectification
    "rect_title": ("整改清单（问题、责任单位、整改时限、措施、状态；重建时按改进优先顺序补充，已填写的内容不会被覆盖）",
                   "Rectification list (problem, responsible unit, deadline, measure, status; a rebuild adds the "
                   "improvement priorities, never overwriting what you typed)"),
    "rect_no": ("序号", "No."),
    "rect_problem": ("问题", "Problem"),
    "rect_stage": ("PDCA 阶段", "PDCA stage"),
    "rect_indicator": ("指标", "Indicator"),
    "rect_responsible": ("责任单位", "Responsible unit"),
    "rect_deadline": ("整改时限", "Deadline"),
    "rect_measure": ("整改措施", "Measure"),
    "rect_status": ("状态", "Status"),
    "rect_id": ("事项编号", "Item ID"),
    "measures_title": ("整改措施库（每项指标成为问题时写入整改清单和报告的措施，可修改；重建时保留）",
                       "Measures library (the measure the rectification list and the report give when an indicator "
                       "is a problem; edit freely, rebuilds keep it)"),
    "measure_code": ("指标编码", "Indicator"),
    "measure_name": ("指标名称", "Name"),
    "measure_text": ("整改措施", "Measure"),
    "chart_dims": ("各维度得分（百分制）", "Dimension scores (100-point)"),
    "chart_gaps": ("各指标加权差距", "Weighted gap by indicator"),
    "chart_weights": ("指标综合权重", "Global weights of indicators"),
    "rebuild": ("重建评价表", "Rebuild evaluation"),
    # sensitivity
    "sens_title": ("评级稳健性：敏感性与不确定性分析", "How robust is the rating: sensitivity and uncertainty"),
    "sens_note": ("以下为重建时由 bpm-xl 计算的数值（蒙特卡洛 {draws} 次，随机种子 {seed}），不随单元格编辑自动更新；修改输入后请点击“重建评价表”。",
                  "Values computed by bpm-xl at the last rebuild (Monte Carlo, {draws} draws, seed {seed}); they do not follow cell edits: click Rebuild evaluation after changing inputs."),
    "sens_none": ("尚未计算：输入完整后点击“重建评价表”。", "Not computed yet: complete the inputs and click Rebuild evaluation."),
    "sens_analysis": ("分析", "Analysis"),
    "sens_mean": ("均值", "Mean"),
    "sens_low": ("2.5% 分位", "2.5th percentile"),
    "sens_high": ("97.5% 分位", "97.5th percentile"),
    "sens_stays": ("评级不变的概率", "P(rating unchanged)"),
    "sens_perturb": ("判断扰动（每个判断以 {p:.0%} 概率在 1-9 标度上移动一格）", "Judgments moved one step on the 1-9 scale (probability {p:.0%} each)"),
    "sens_bootstrap": ("专家重抽样（有放回）", "Experts resampled with replacement"),
    "sens_respondents": ("受访者重抽样（有放回，{draws} 次）", "Respondents resampled with replacement ({draws} draws)"),
    "sens_total100": ("百分制得分", "100-point score"),
    "sens_thresholds": ("维度权重需变动多少评级才会改变（其余维度按比例调整）", "How far a dimension weight must move for the rating to change (others rescaled)"),
    "sens_increase": ("增加到", "Increase to"),
    "sens_decrease": ("减少到", "Decrease to"),
    "sens_grade_after": ("之后评级", "Rating then"),
    "sens_never": ("[0,1] 内不会改变", "none within [0,1]"),
    "sens_weights": ("指标综合权重的分布（判断扰动）", "Distribution of the global weights (judgments moved)"),
}


def t(key: str, lang: str, **kw: object) -> str:
    zh, en = _T[key]
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def sheet_name(role: str, lang: str) -> str:
    return SHEETS[role]["zh" if lang == "zh" else "en"]


#: The VBA macros of the dashboard's buttons beside Rebuild (bpm_xl.writers.vba writes them).
FORMS_MACRO = "BpmForms"
COLLECT_MACRO = "BpmCollect"
REPORT_MACRO = "BpmReport"
#: Folders next to the workbook used by the in-Excel macros (forms out, returned forms in).
FORMS_DIR = "{stem}_forms"
RETURNED_DIR = "{stem}_returned"

_KIND = {
    "zh": {
        "example": "本文件的数据：示例数据（bpm-xl 自带的示意数据，并非任何单位或七里河区研究的真实数据）。",
        "own": "本文件的数据：本单位录入的数据（已不同于 bpm-xl 的示例数据）。",
        "blank": "本文件的数据：空白，等待本单位填写。",
        "xlsm": ("文件类型：含宏的 Excel 工作簿（.xlsm），其中的函数由 Python（bpm-xl + xlwings）计算。",
                 "在 WPS、LibreOffice 或未装 bpm-xl 的 Excel 中请用便携版 <文件名>_portable.xlsx（bpm-xl export 本文件 --portable）。"),
        "portable": ("文件类型：便携版工作簿（.xlsx，无宏），全部公式为 Excel/WPS/LibreOffice 通用的原生公式，改动输入后自动重算。",
                     "增删指标或专家后运行 bpm-xl rebuild 本文件。"),
    },
    "en": {
        "example": "Data in this file: example data (bpm-xl's illustrative data, not any unit's or the Qilihe District study's data).",
        "own": "Data in this file: your own data (it no longer equals bpm-xl's example).",
        "blank": "Data in this file: blank, waiting for your data.",
        "xlsm": ("File type: macro workbook (.xlsm); its functions are computed by Python (bpm-xl + xlwings).",
                 "In WPS, LibreOffice or Excel without bpm-xl use the portable <name>_portable.xlsx (bpm-xl export THIS --portable)."),
        "portable": ("File type: portable workbook (.xlsx, no macros); every formula is native to Excel, WPS and LibreOffice.",
                     "Figures follow your edits; after adding indicators or experts run bpm-xl rebuild THIS."),
    },
}


def guide_lines(lang: str, kind: str = "blank", portable: bool = False) -> list[str]:
    """The Guide: what the file is (``kind``: "example", "own" or "blank"; macro or portable
    workbook), then how to use it."""
    k = _KIND["zh" if lang == "zh" else "en"]
    lines = GUIDE["zh" if lang == "zh" else "en"]
    # lines marked MACRO_ONLY are about the macro workbook (enable macros, buttons)
    body = [ln for ln in lines[1:] if not (portable and ln.startswith(MACRO_ONLY))]
    return [lines[0], k[kind], *k["portable" if portable else "xlsm"], *(ln.removeprefix(MACRO_ONLY) for ln in body)]


#: Marks a Guide line that only applies to the macro workbook (not shown in a portable one).
MACRO_ONLY = "\x00"


#: Rows of the Guide that belong to bpm-xl (rewritten by every rebuild); a user's notes below
#: them or to the right are kept.
GUIDE_ROWS = 40

GUIDE: dict[str, list[str]] = {
    "zh": [
        "bpm-xl 预算绩效管理评价工作簿",
        "",
        "一、怎么用",
        MACRO_ONLY + "· 启用宏（本文件需要 Python 与 bpm-xl，见 README）。首次打开若提示“受保护的视图”，请点击“启用编辑”和“启用内容”。",
        "· 在绿色的输入表中填写：设置（含单位、年度、评价人）、指标体系、专家、判断矩阵、德尔菲、问卷、整改清单。",
        "· 蓝色的输出表（权重、评价、德尔菲结果、诊断、仪表盘）随输入自动更新，无需任何操作。",
        MACRO_ONLY + "· 增删指标或专家后，点击“仪表盘”上的“重建评价表”按钮（宏 BpmRebuild）。已录入的数据会按代码保留。",
        MACRO_ONLY + "· 仪表盘上的其他按钮（也可在“开发工具 → 宏”中运行）：",
        MACRO_ONLY + "   生成专家问卷（宏 BpmForms）：为“专家”表中的每位专家生成一份问卷，放在本文件旁的文件夹“<文件名>_forms”。",
        MACRO_ONLY + "   收回问卷（宏 BpmCollect）：把专家填好的问卷放进本文件旁的文件夹“<文件名>_returned”，点击后写入判断矩阵、德尔菲和专家表并重建。",
        MACRO_ONLY + "   生成Word报告（宏 BpmReport）：先保存本文件，再在本文件旁写出“<文件名>_report.docx”（含整改清单）。",
        MACRO_ONLY + "   没有 Excel 时，同样的操作用命令：bpm-xl forms / collect / report --docx（见 README）。",
        "",
        "二、判断矩阵",
        "只需填写上三角（行比列重要几倍），1-9 标度；1/3 这样的分数可以直接输入。下三角留空，系统自动取倒数。",
        "CR < 0.10 视为一致性可以接受；否则“权重”表列出最不一致的判断及建议值。",
        "",
        "三、方法（详见 README）",
        "权重：层次分析法，群组判断按专家权威系数加权几何平均集结，特征向量法求权重；RI 取值表见“设置”。",
        "得分：各指标问卷平均分 × 综合权重求和；百分制 = 得分 ÷ 满分 × 100。",
        "评级：默认财政部财预〔2020〕10号：优(A) ≥ 90，良(B) 80–90，中(C) 60–80，差(D) < 60。",
    ],
    "en": [
        "bpm-xl budget performance management evaluation workbook",
        "",
        "1. How to use it",
        MACRO_ONLY + "· Enable macros (this file needs Python and bpm-xl, see the README). In Protected View click Enable Editing, then Enable Content.",
        "· Fill in the green input sheets: Settings (unit, year, evaluator), Indicators, Experts, Judgments, Delphi, Survey, Rectification.",
        "· The blue output sheets (Weights, Evaluation, Delphi results, Diagnosis, Dashboard) update by themselves.",
        MACRO_ONLY + "· After adding or removing indicators or experts, click Rebuild evaluation on the Dashboard (macro BpmRebuild). Entered data is kept by code.",
        MACRO_ONLY + "· The other Dashboard buttons (also under Developer > Macros):",
        MACRO_ONLY + "   Expert forms (macro BpmForms): one questionnaire per expert of the Experts sheet, in the folder <name>_forms next to this file.",
        MACRO_ONLY + "   Collect forms (macro BpmCollect): put the returned forms in the folder <name>_returned next to this file; they are written to Judgments, Delphi and Experts, then rebuilt.",
        MACRO_ONLY + "   Word report (macro BpmReport): saves this file, then writes <name>_report.docx next to it (with the rectification list).",
        MACRO_ONLY + "   Without Excel the same steps are commands: bpm-xl forms / collect / report --docx (see the README).",
        "",
        "2. Judgment matrices",
        "Fill the upper triangle only (how many times the row matters more than the column) on the 1-9 scale; type fractions such as 1/3.",
        "CR < 0.10 is acceptable; otherwise the Weights sheet lists the most inconsistent judgments and suggested values.",
        "",
        "3. Method (see the README)",
        "Weights: AHP; group judgments aggregated by the authority-weighted geometric mean; principal eigenvector; RI table on Settings.",
        "Score: survey mean of each indicator x global weight, summed; 100-point score = score / full score x 100.",
        "Rating: by default the Ministry of Finance rule (2020 No.10): A >= 90, B 80-90, C 60-80, D < 60.",
    ],
}
