"""Every caption the workbook shows, in Chinese and English, keyed by role.

Code never looks a sheet up by its caption: sheets are found by the defined name
``BPM_ROLE_<ROLE>`` that points at their A1 cell, so either edition works with the same code.
"""

from __future__ import annotations

from ..texts import pick, text

SHEETS: dict[str, dict[str, str]] = {
    "guide": {"zh": "说明", "en": "Guide"},
    "settings": {"zh": "设置", "en": "Settings"},
    "indicators": {"zh": "指标体系", "en": "Indicators"},
    "experts": {"zh": "专家", "en": "Experts"},
    "judgments": {"zh": "判断矩阵", "en": "Judgments"},
    "delphi": {"zh": "德尔菲", "en": "Delphi"},
    "survey": {"zh": "问卷", "en": "Survey"},
    "data": {"zh": "指标数据", "en": "Indicator data"},
    "expert_scores": {"zh": "专家评分", "en": "Expert scores"},
    "weights": {"zh": "权重", "en": "Weights"},
    "evaluation": {"zh": "评价", "en": "Evaluation"},
    "delphi_summary": {"zh": "德尔菲结果", "en": "Delphi results"},
    "diagnosis": {"zh": "诊断", "en": "Diagnosis"},
    "dashboard": {"zh": "仪表盘", "en": "Dashboard"},
    "sensitivity": {"zh": "敏感性", "en": "Sensitivity"},
    "rectification": {"zh": "整改清单", "en": "Rectification"},
    "measures": {"zh": "整改措施库", "en": "Measures"},
}

INPUT_ROLES = ("guide", "settings", "indicators", "experts", "judgments", "delphi", "survey", "data", "expert_scores",
               "rectification", "measures")
#: Input sheets whose layout follows the indicator list / panel; rebuild restructures them
#: and carries every value entered for codes that still exist.
RESHAPED_INPUT_ROLES = ("judgments", "delphi", "survey", "data", "expert_scores")
#: Input sheets whose cells beyond bpm-xl's columns a rebuild keeps as typed (bpm-xl's own
#: columns are laid out from what the reader found; the 整改清单 adds pre-filled rows).
USER_ROLES = ("guide", "settings", "indicators", "experts", "rectification", "measures")
OUTPUT_ROLES = ("weights", "evaluation", "delphi_summary", "diagnosis", "dashboard", "sensitivity")



def sheet_name(role: str, lang: str) -> str:
    return pick((SHEETS[role]["zh"], SHEETS[role]["en"]), lang)


#: The VBA macros of the dashboard's buttons beside Rebuild (bpm_xl.writers.vba writes them).
FORMS_MACRO = "BpmForms"
COLLECT_MACRO = "BpmCollect"
REPORT_MACRO = "BpmReport"
#: Folders next to the workbook used by the in-Excel macros (forms out, returned forms in).
FORMS_DIR = "{stem}_forms"
RETURNED_DIR = "{stem}_returned"



def guide_lines(lang: str, kind: str = "blank", portable: bool = False, points: bool = False,
                survey_only: bool = True) -> list[str]:
    """The Guide: what the file is (``kind``: "example", "own" or "blank"; macro or portable
    workbook), then how to use it; the method lines say how this system is weighted (AHP, or
    ``points``) and scored (the survey, or each indicator by its type unless ``survey_only``)."""
    lines = pick((GUIDE["zh"], GUIDE["en"]), lang)
    fmt = "portable" if portable else "xlsm"
    method = {WEIGHTS_LINE: text("guide_weights_points" if points else "guide_weights_ahp", lang),
              SCORE_LINE: text("guide_score_survey" if survey_only else "guide_score_types", lang)}
    # lines marked MACRO_ONLY are about the macro workbook (enable macros, buttons)
    body = [method.get(ln, ln) for ln in lines[1:] if not (portable and ln.startswith(MACRO_ONLY))]
    return [lines[0], text(f"kind_{kind}", lang), text(f"kind_{fmt}_line1", lang), text(f"kind_{fmt}_line2", lang),
            *(ln.removeprefix(MACRO_ONLY) for ln in body)]


#: Marks a Guide line that only applies to the macro workbook (not shown in a portable one).
MACRO_ONLY = "\x00"
#: Stand for the Guide's method lines, which depend on how the system is weighted and scored.
WEIGHTS_LINE = "\x01weights"
SCORE_LINE = "\x01score"


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
        WEIGHTS_LINE,
        SCORE_LINE,
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
        WEIGHTS_LINE,
        SCORE_LINE,
        "Rating: by default the Ministry of Finance rule (2020 No.10): A >= 90, B 80-90, C 60-80, D < 60.",
    ],
}
