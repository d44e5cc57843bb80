"""Every sentence and caption of the report, in Chinese and English: one catalogue for the Word
and the HTML report.

A key maps to ``(zh, en)``, both ``str.format`` templates. Keys ending in ``#1``, ``#2`` ... are
alternative frames of one sentence; :func:`variant` picks the k-th, so a section that says the
same kind of thing several times does not repeat one frame. The Chinese text names every method
in Chinese (层次分析法, 肯德尔协调系数 W ...) and holds no code names or commands; those appear
only in the audit annex (附件5), which is written for an auditor.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CATALOGUE", "GLOSSARY", "GLOSSARY_EN", "T", "glossary", "has", "variant"]

CATALOGUE: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ scores pending the survey
    "pending": ("待问卷", "pending survey"),
    "pending_title": ("待问卷：本报告尚不完整", "Pending survey: this report is not complete yet"),
    "pending_html": ("以下指标尚无问卷答案：{codes}。待问卷导入后计算的部分：指标得分（上列指标）、维度得分、"
                     "综合加权总分、百分制得分和评价等级、模糊综合评价、改进建议（PDCA）、整改清单预填、图表和敏感性分析。"
                     "已计算的部分：指标权重、一致性检验和德尔菲专家咨询统计。",
                     "No survey answers yet for: {codes}. Pending the survey: the indicator scores (those "
                     "listed), the dimension scores, the weighted total, the 100-point score and the grade, the "
                     "fuzzy evaluation, the improvement priorities (PDCA), the prefilled rectification list, the "
                     "charts and the sensitivity analysis. Computed: the weights, the consistency checks and the "
                     "Delphi statistics."),
    "pending_docx": ("以下指标尚无问卷答案：{codes}。指标得分、维度得分、综合加权总分、百分制得分和评价等级，"
                     "以及评价结论、问题、建议和附表中的得分，待问卷导入后计算；上文的专家、权重和德尔菲统计已计算。",
                     "No survey answers yet for: {codes}. The indicator and dimension scores, the weighted total, "
                     "the 100-point score and the grade, and with them the conclusion, problems, suggestions and "
                     "the score tables, are computed once the survey is imported; the panel, weights and Delphi "
                     "statistics above are computed."),
    # ------------------------------------------------------------------ title page, 落款
    "title_unit_year": ("{unit}{year}年度预算绩效管理评价报告", "Budget performance management evaluation report: {unit}, {year}"),
    "title_unit": ("{unit}预算绩效管理评价报告", "Budget performance management evaluation report: {unit}"),
    "title_year": ("{year}年度预算绩效管理评价报告", "Budget performance management evaluation report, {year}"),
    "title_plain": ("预算绩效管理评价报告", "Budget performance management evaluation report"),
    "tp_unit": ("被评价单位", "Unit evaluated"),
    "tp_evaluator": ("评价单位", "Evaluating body"),
    "tp_year": ("评价年度", "Year evaluated"),
    "tp_date": ("报告日期", "Report date"),
    "todo": ("待填写", "to fill in"),
    "sign_body": ("评价单位（盖章）：{body}", "Evaluating body (seal): {body}"),
    "sign_head": ("负责人（签字）：", "Head (signature): "),
    "sign_date": ("报告日期：{date}", "Date: {date}"),
    "colon": ("：", ": "),
    "sep": ("、", ", "),
    "semi": ("；", "; "),
    "stop": ("。", "."),
    "none": ("无", "None"),
    # ------------------------------------------------------------------ outline
    "h_basic": ("一、基本情况", "1. Basic information"),
    "h_work": ("二、评价工作开展情况", "2. How the evaluation was carried out"),
    "h_conclusion": ("三、综合评价结论", "3. Overall evaluation conclusion"),
    "h_analysis": ("四、绩效分析", "4. Performance analysis"),
    "h_experience": ("五、主要经验做法", "5. Main experience and good practice"),
    "h_problems": ("六、存在的问题及原因", "6. Problems and their causes"),
    "h_suggestions": ("七、改进建议", "7. Recommendations"),
    "h_annex": ("八、附件", "8. Annexes"),
    "h_unit": ("（一）被评价单位概况", "1.1 The unit evaluated"),
    "h_scope": ("（二）评价范围与指标体系", "1.2 Scope and indicator system"),
    "h_panel": ("（一）评价方法与专家咨询", "2.1 Method and expert consultation"),
    "h_survey": ("（二）问卷调查", "2.2 Survey"),
    "h_scores": ("（一）评分结果", "3.1 Scores"),
    "h_grade": ("（二）评价等级", "3.2 Grade"),
    "h_robust": ("（三）结论的稳定性", "3.3 How firm the grade is"),
    "h_rule": ("（一）判定规则", "4.1 How strengths and problems are decided"),
    "h_dims": ("（二）分维度、分指标分析", "4.2 By dimension and indicator"),
    "h_charts": ("（三）图表", "4.3 Charts"),
    "h_yoy": ("（四）与上年比较", "4.4 Compared with last year"),
    "h_stage": ("（{n}）{stage}环节", "6.{n} {stage}"),
    "h_others": ("（{n}）其他低于判定线的指标", "6.{n} Other indicators below the line"),
    "h_last_year": ("（{n}）上年问题整改情况", "6.{n} Last year's items"),
    "annex1": ("附件1：问题清单及整改清单", "Annex 1: problems and rectification"),
    "annex2": ("附件2：指标体系与权重", "Annex 2: indicator system and weights"),
    "annex3": ("附件3：判断矩阵一致性检验", "Annex 3: consistency of the judgment matrices"),
    "annex4": ("附件4：术语说明", "Annex 4: glossary"),
    "annex5": ("附件5：数据来源与复核说明", "Annex 5: audit trail"),
    "annex_list": ("附件：1. 问题清单及整改清单；2. 指标体系与权重；3. 判断矩阵一致性检验；4. 术语说明；5. 数据来源与复核说明。",
                   "Annexes: 1. problems and rectification; 2. indicator system and weights; 3. consistency of the "
                   "judgment matrices; 4. glossary; 5. audit trail."),
    # ------------------------------------------------------------------ 一、基本情况
    "unit_line": ("被评价单位：{unit}。评价年度：{year}。", "Unit evaluated: {unit}. Year: {year}."),
    "functions": ("职能与机构：{v}。", "Functions and organisation: {v}."),
    "budget": ("年度预算规模：{v}。", "Annual budget: {v}."),
    "scope": ("纳入评价的部门和项目数量：{v}。", "Departments and projects covered: {v}."),
    "organisation": ("评价组织方式：{v}。", "How the evaluation was organised: {v}."),
    "subject": ("评价对象：{v}。", "Subject: {v}."),
    "system": ("本次评价采用由 {n_dim} 个维度（{dims}）、{n_ind} 项指标构成的预算绩效管理评价指标体系，"
               "每项指标归入计划、执行、检查、处理四个管理环节之一；指标与权重见附件2。",
               "The evaluation uses an indicator system of {n_dim} dimensions ({dims}) and {n_ind} indicators, each "
               "assigned to one stage of the plan-do-check-act cycle; indicators and weights are in Annex 2."),
    # ------------------------------------------------------------------ 二、评价工作开展情况
    "method": ("评价采用德尔菲法遴选指标、层次分析法确定权重、问卷调查采集评分。专家组共 {n} 人，各专家的判断矩阵{weighting}"
               "后逐项取几何平均集结（判断矩阵几何平均集结{aip}），权重按{method}计算；一致性检验采用{ri}，"
               "一致性比例 CR 小于 {t:g} 视为通过。",
               "Indicators were settled by Delphi consultation, weighted by the analytic hierarchy process and scored "
               "by a survey. The panel has {n} experts; their judgment matrices are {weighting} and aggregated by the "
               "geometric mean of each judgment{aip}; weights by the {method}; consistency against {ri}, passing when "
               "the consistency ratio CR is below {t:g}."),
    "weighting_authority": ("按专家权威系数加权", "weighted by each expert's authority"),
    "weighting_equal": ("等权", "equally weighted"),
    "aip": ("；综合权重取各专家权重的加权几何平均", "; the group's weights are the weighted geometric mean of the experts' weights"),
    "m_eigen": ("特征向量法", "principal eigenvector method"),
    "m_geomean": ("几何平均法（方根法）", "row geometric mean method"),
    "m_arith": ("算术平均法（和积法）", "column-normalised row average method"),
    "ri_cn": ("平均随机一致性指标（国内常用表）", "the random index table used in Chinese textbooks"),
    "ri_saaty1980": ("平均随机一致性指标（萨蒂 1980 年表）", "Saaty's 1980 random index table"),
    "ri_saaty2005": ("平均随机一致性指标（萨蒂 2005 年表）", "Saaty's 2005 random index table"),
    "ri_donegan_dodd": ("平均随机一致性指标（多尼根—多德表）", "Donegan and Dodd's random index table"),
    "ri_alonso_lamata": ("阿隆索—拉马塔回归式计算的一致性比例", "Alonso and Lamata's regression"),
    "round#1": ("第{k}轮咨询{forms}，{n} 位专家评分，肯德尔协调系数 W = {w}（χ² = {chi2}，自由度 {df}，{p}），{sig}；"
                "按均值不低于 {m:g}、变异系数不高于 {cv:g} 筛选，{total} 项指标保留 {kept} 项{removed}。",
                "Round {k}{forms}: {n} experts rated the indicators; Kendall's W = {w} (χ² = {chi2}, df {df}, {p}), {sig}; "
                "screening by mean ≥ {m:g} and coefficient of variation ≤ {cv:g} kept {kept} of {total} indicators{removed}."),
    "round#2": ("第{k}轮由 {n} 位专家参加{forms}。本轮肯德尔协调系数 W 为 {w}，χ² = {chi2}（自由度 {df}，{p}），{sig}；"
                "筛选后 {total} 项指标中保留 {kept} 项{removed}。",
                "In round {k}, {n} experts took part{forms}. Kendall's W was {w}, χ² = {chi2} (df {df}, {p}), {sig}; "
                "screening kept {kept} of {total} indicators{removed}."),
    "round#3": ("第{k}轮{forms}：专家意见的肯德尔协调系数 W = {w}（χ² = {chi2}，自由度 {df}，{p}），{sig}；{total} 项指标保留 {kept} 项{removed}。",
                "Round {k}{forms}: Kendall's W = {w} (χ² = {chi2}, df {df}, {p}), {sig}; {kept} of {total} indicators kept{removed}."),
    "forms": ("发出问卷 {sent} 份、收回 {back} 份，回收率 {rate}", " ({sent} forms sent, {back} returned, {rate})"),
    "forms_todo": ("（发出和收回份数待填写）", " (forms sent and returned: to fill in)"),
    "removed": ("、剔除 {n} 项", " and removed {n}"),
    "sig_yes": ("专家意见协调程度显著", "the experts' agreement is significant"),
    "sig_no": ("专家意见协调程度不显著，据此确定的指标宜再征求专家意见", "the experts' agreement is not significant; consult them again before relying on it"),
    "no_kendall": ("（专家人数或指标数不足，未计算协调系数）", "(too few experts or indicators for Kendall's W)"),
    "authority": ("专家组权威系数为 {cr}（判断依据系数 {ca}，熟悉程度系数 {cs}），{level}（一般以 0.7 以上为可接受）。",
                  "The panel's authority coefficient is {cr} (basis {ca}, familiarity {cs}), {level} (0.7 or more is usually acceptable)."),
    "authority_ok": ("权威程度较高", "adequate"),
    "authority_low": ("权威程度偏低", "low"),
    "survey": ("问卷调查共收回答卷 {received} 份{rate}。{screening}纳入计算的答卷 {used} 份，各指标有效回答 {lo}–{hi} 份，"
               "按 {smin:g}–{smax:g} 分计分。",
               "The survey received {received} responses{rate}. {screening}{used} responses were used; each indicator has "
               "{lo}-{hi} valid answers on a {smin:g}-{smax:g} scale."),
    "survey_rate": ("（发放 {sent} 份，回收率 {rate}）", " ({sent} sent, response rate {rate})"),
    "screening": ("筛查情况：{reasons}；剔除 {excluded} 份，有效答卷 {valid} 份。", "Screening: {reasons}; {excluded} removed, {valid} valid. "),
    "screening_none": ("答卷未经筛查，全部视为有效。", "The responses were not screened; all count as valid. "),
    "experts_table": ("专家组成员及权威系数", "Panel members and authority"),
    "delphi_table": ("德尔菲咨询各轮情况", "Delphi rounds"),
    # ------------------------------------------------------------------ 三、综合评价结论
    "conclusion": ("综合评价加权总分为 {total} 分（{smin:g}–{smax:g} 分制），折合百分制 {s100} 分，评价等级为“{label}”。"
                   "按{rule}的等级划分，百分制得分（保留两位小数）{range}为“{label}”。",
                   "The weighted total is {total} (on a {smin:g}-{smax:g} scale), {s100} on 100 points, graded '{label}'. "
                   "Under {rule}, a 100-point score (rounded to 2 decimals) {range} is '{label}'."),
    "range_top": ("达到 {lo:g} 分（含）", "of {lo:g} or more"),
    "range_mid": ("在 {lo:g} 分（含）至 {hi:g} 分之间", "from {lo:g} up to {hi:g}"),
    "rule_mof": ("财预〔2020〕10号", "the Ministry of Finance rule (Caiyu [2020] No. 10)"),
    "rule_custom": ("本单位设置的“{name}”规则", "the bands '{name}' set in the workbook"),
    "bands": ("等级划分：{bands}。", "Rating bands: {bands}."),
    # ------------------------------------------------------------------ 四、绩效分析
    "rule": ("本报告对每项指标作同一判定：百分制得分低于 {line:g} 分的指标，以及得分最低的 {k} 项指标，列为存在问题的指标，"
             "按其使百分制总分损失的分值从大到小排列（失分 = 全局权重 ×（满分 − 得分）÷ 满分 × 100）；其余指标"
             "均达到 {line:g} 分，列为表现较好的指标。两类互不重叠，第五、六、七部分和附件1 均据此编写。",
             "Every indicator is judged by one rule: an indicator scoring below {line:g} on the 100-point scale, and "
             "each of the {k} lowest-scoring indicators, is a problem, ranked by the points it costs the 100-point total "
             "(global weight × (top − score) / top × 100); every other indicator reaches {line:g} and counts as a "
             "strength. No indicator is both; sections 5, 6 and 7 and Annex 1 follow this rule."),
    "rule_count": ("据此，{n_s} 项指标表现较好，{n_p} 项指标存在问题，后者合计使总分损失 {lost} 分，占全部失分的 {share}。",
                   "On this rule {n_s} indicators are strengths and {n_p} are problems, costing {lost} points together, "
                   "{share} of all points lost."),
    "dims_best_worst": ("{n} 个维度中，{best}得分最高（百分制 {best_s}），{worst}最低（{worst_s}）。",
                        "Of the {n} dimensions, {best} scores highest ({best_s} on 100) and {worst} lowest ({worst_s})."),
    "dims_below": ("低于 {line:g} 分的维度有{names}。", "Dimensions below {line:g}: {names}."),
    "dims_none_below": ("各维度均达到 {line:g} 分。", "Every dimension reaches {line:g}."),
    "dims_heaviest": ("{name}权重最大（{w}），对总分贡献 {c} 分。", "{name} carries the most weight ({w}) and contributes {c} to the total."),
    "lowest": ("得分最低的 {k} 项指标是{items}（满分 {top:g}），均在第六部分逐项分析。",
               "The {k} lowest-scoring indicators are {items} (top of scale {top:g}); section 6 discusses each."),
    "highest": ("得分最高的是{items}。", "The highest scores are {items}."),
    "consistency_ok": ("各集结判断矩阵均通过一致性检验（一致性比例最大为 {cr}，小于 {t:g}），层次总排序一致性比例为 {h}，权重可以采用。",
                       "Every aggregated judgment matrix passes the consistency check (largest CR {cr} < {t:g}); the "
                       "hierarchy's CR is {h}, so the weights can be used."),
    "consistency_bad": ("注意：{names}的集结判断矩阵未通过一致性检验（一致性比例不低于 {t:g}），相关权重应谨慎解读，建议请专家复核附件3 所列判断。",
                        "Caution: the aggregated matrices of {names} fail the consistency check (CR ≥ {t:g}); read those "
                        "weights with care and ask the experts to review the judgments in Annex 3."),
    "consistency_experts": ("另有 {n} 位专家（{names}）的个人判断矩阵未通过一致性检验，其判断仍按专家权重参与集结。",
                            "{n} expert(s) ({names}) have individual matrices that fail the check; their judgments still "
                            "enter the aggregate with the expert's weight."),
    "goal": ("目标层", "the goal"),
    "radar": ("各维度百分制得分雷达图", "Radar of the dimension scores (100-point)"),
    "gaps": ("存在问题的指标及其失分", "The problem indicators and the points they cost"),
    "resp": ("受访者百分制得分分布", "Distribution of the respondents' 100-point scores"),
    "yoy_chart": ("与上年得分对比", "Scores this year and last year"),
    "fig": ("图{n} {t}", "Figure {n}. {t}"),
    "sens_perturb": ("判断扰动", "judgment perturbation"),
    "sens_panel": ("专家重抽样", "panel bootstrap"),
    "sens_resp": ("答卷重抽样", "respondent bootstrap"),
    "sens_stable": ("评价等级稳定", "The grade is stable"),
    "sens_fair": ("评价等级较稳定", "The grade is fairly stable"),
    "sens_sensitive": ("评价等级对输入较敏感，引用等级时应同时说明得分区间", "The grade is sensitive to the inputs; quote the score interval with it"),
    "sensitivity": ("敏感性分析（每种情形 {draws} 次模拟）显示，评价等级保持为“{label}”的比例为：{each}；百分制得分 95% 区间最宽为 {widest}。{verdict}。",
                    "Sensitivity analysis ({draws} draws each): the grade stays '{label}' in {each} of the draws; the widest "
                    "95% interval of the 100-point score is {widest}. {verdict}."),
    "year_of": ("{y}年", "{y}"),
    "this_year": ("本年", "This year"),
    "last_year_label": ("上年", "Last year"),
    "yoy_up": ("提高 {d} 分", "up {d}"),
    "yoy_down": ("下降 {d} 分", "down {d}"),
    "yoy_same": ("持平", "unchanged"),
    "yoy_same_grade": ("与{prev}相比，百分制得分由 {a} 分变为 {b} 分（{move}），评价等级保持为“{lp}”（{gp}）。",
                       "Compared with {prev}, the 100-point score went from {a} to {b} ({move}); the grade stays '{ln}' ({gn})."),
    "yoy_new_grade": ("与{prev}相比，百分制得分由 {a} 分变为 {b} 分（{move}），评价等级由“{lp}”（{gp}）变为“{ln}”（{gn}）。",
                      "Compared with {prev}, the 100-point score went from {a} to {b} ({move}); the grade changed from "
                      "'{lp}' ({gp}) to '{ln}' ({gn})."),
    "yoy_changed": ("指标体系变化：新增 {added}；删除 {removed}。两年总分的可比性受此影响。",
                    "Indicator changes: added {added}; removed {removed}. This limits how far the two totals compare."),
    "yoy_unchanged": ("两年指标体系相同。", "The indicator system is the same in both years."),
    "th_yoy_weight": ("{y}权重", "Weight {y}"),
    "th_yoy_score": ("{y}得分", "Score {y}"),
    "th_dimension": ("维度", "Dimension"),
    "th_total100": ("总分（百分制）", "Total (100-point)"),
    "paren": ("（{x}）", " ({x})"),
    # ------------------------------------------------------------------ 五、主要经验做法
    "strengths_none": ("本次评价没有指标达到 {line:g} 分，暂无可总结推广的做法。", "No indicator reaches {line:g}; there is no practice to hold up yet."),
    "strengths_count": ("共有 {n} 项指标达到 {line:g} 分以上，集中在{stages}环节。", "{n} indicators reach {line:g} or more, mostly in the {stages} stage(s)."),
    "strength#1": ("{name}（{code}）得分 {score}，折合百分制 {s100} 分，居全部指标之首{low}，{stage}环节的相关做法成效明显。",
                   "{name} ({code}) scores {score} ({s100} on 100), the best of all indicators{low}; the practice of the {stage} stage shows results."),
    "strength#2": ("{name}（{code}）以百分制 {s100} 分位列其后{low}，说明{stage}环节的工作得到了受访者的普遍认可。",
                   "{name} ({code}) follows with {s100}{low}, which shows the {stage}-stage work is widely recognised."),
    "strength#3": ("{code} {name}同样表现较好（{score} 分，高于所在维度平均 {dmean} 分）{low}。",
                   "{code} {name} also does well ({score}, above its dimension's mean of {dmean}){low}."),
    "low_share_few": ("，仅 {share} 的受访者给出 {lo:g}–{lo2:g} 分", "; only {share} of respondents answered {lo:g}-{lo2:g}"),
    # ------------------------------------------------------------------ 六、存在的问题及原因
    "problems_intro": ("按第四部分的判定规则，共有 {n} 项指标存在问题，合计使百分制总分损失 {lost} 分。以下按管理环节逐项分析失分最多的指标和得分最低的指标。",
                       "On the rule of section 4, {n} indicators are problems, costing {lost} points of the 100-point total "
                       "together. The ones that cost most and the lowest-scoring are discussed stage by stage."),
    "problem#1": ("{code} {name}：得分 {score}（百分制 {s100}），使总分损失 {lost} 分，占全部失分的 {share}。{cause}",
                  "{code} {name}: score {score} ({s100} on 100), costing {lost} points, {share} of all points lost. {cause}"),
    "problem#2": ("{name}（{code}）失分 {lost} 分，在全部指标中居第 {rank} 位；其得分 {score}{vs_dim}。{cause}",
                  "{name} ({code}) costs {lost} points, rank {rank} of all indicators; its score is {score}{vs_dim}. {cause}"),
    "problem#3": ("{code} {name}得分仅为 {score}{lowest}，折合百分制 {s100} 分。{cause}",
                  "{code} {name} scores only {score}{lowest} ({s100} on 100). {cause}"),
    "problem#4": ("{name}（{code}）的全局权重为 {weight}，得分 {score}，因此对总分的影响较大（失分 {lost} 分）。{cause}",
                  "{name} ({code}) has a global weight of {weight} and scores {score}, so it weighs on the total ({lost} points lost). {cause}"),
    "problem#5": ("{code} {name}百分制 {s100} 分，低于判定线 {line:g} 分，失分 {lost} 分。{cause}",
                  "{code} {name} scores {s100} on 100, below the line of {line:g}, costing {lost} points. {cause}"),
    "vs_dim_below": ("，低于所在维度平均 {dmean}", ", below its dimension's mean of {dmean}"),
    "vs_dim_above": ("，略高于所在维度平均 {dmean}，但仍低于判定线", ", above its dimension's mean of {dmean} but below the line"),
    "lowest_mark": ("，是得分最低的 {k} 项指标之一", ", one of the {k} lowest"),
    "cause_low#1": ("{share} 的受访者给出 {lo:g}–{lo2:g} 分，不满意的评价较为集中", "{share} of respondents answered {lo:g}-{lo2:g}, a concentration of poor marks"),
    "cause_low#2": ("打出 {lo:g}–{lo2:g} 分的受访者多达 {share}，问题带有普遍性", "as many as {share} answered {lo:g}-{lo2:g}: the problem is widely felt"),
    "cause_low#3": ("低分（{lo:g}–{lo2:g} 分）答卷占 {share}，受访者的不满比较明显", "low answers ({lo:g}-{lo2:g}) make up {share}: dissatisfaction is plain"),
    "cause_low#4": ("{share} 的答卷落在 {lo:g}–{lo2:g} 分，反映出服务对象对该项工作的明显不满",
                    "{share} of answers fall at {lo:g}-{lo2:g}, showing clear dissatisfaction with this work"),
    "cause_few#1": ("给出 {lo:g}–{lo2:g} 分的受访者占 {share}，低分并不集中，失分主要来自中间评价",
                    "{share} answered {lo:g}-{lo2:g}; poor marks are few and the loss comes from middling answers"),
    "cause_few#2": ("低分答卷仅占 {share}，多数受访者给出的是“一般”或“较好”，说明工作有基础但未做扎实",
                    "only {share} of answers are low; most say fair or good: the groundwork is there but not thorough"),
    "cause_few#3": ("受访者很少打低分（{share}），但满分也不多，得分被中间档拉低",
                    "few respondents gave low marks ({share}), but few gave top marks either; the middle pulls the score down"),
    "cause_few#4": ("{share} 的答卷为 {lo:g}–{lo2:g} 分，差距主要在于“较好”未能提升为“很好”",
                    "{share} of answers are {lo:g}-{lo2:g}; the gap is mostly good answers that are not yet very good"),
    "cause_expert#1": ("专家咨询中该指标的重要性评分均值为 {mean}（最低 {low}），专家认为该项工作重要，实际表现与之不相称",
                       "the experts rated its importance {mean} on average (lowest {low}): important work that falls short"),
    "cause_expert#2": ("而专家对其重要性的评分均值达 {mean}，重视程度与实际成效之间存在落差",
                       "while the experts rate its importance {mean}: a gap between how much it matters and what it achieves"),
    "cause_expert#3": ("德尔菲咨询中专家给出的重要性均值为 {mean}，属于应当优先补齐的短板",
                       "the Delphi panel rated its importance {mean}: a weakness to close first"),
    "cause_expert#4": ("专家曾把该指标列为重要事项（重要性均值 {mean}），应作为整改重点",
                       "the experts counted it as important (mean importance {mean}); make it a priority of the rectification"),
    "cause_join": ("；", "; "),
    "cause_end": ("。", "."),
    "others": ("此外，{items}也低于 {line:g} 分，合计失分 {lost} 分，已一并列入附件1。",
               "Besides, {items} also score below {line:g}, costing {lost} points together; all are in Annex 1."),
    "last_year": ("上年问题清单共 {total} 项，已完成整改 {closed} 项，尚未完成 {open} 项；未完成事项已按事项编号结转列入本年整改清单。",
                  "Last year's list has {total} item(s): {closed} closed and {open} still open; the open items are carried "
                  "into this year's list under their item IDs."),
    "last_year_table": ("上年已完成整改的事项", "Items closed since last year"),
    "removed_carried": ("以下结转事项对应的指标本年已删除，请确认是否继续跟踪：{items}。",
                        "These carried items refer to indicators removed this year; decide whether to keep them: {items}."),
    # ------------------------------------------------------------------ 七、改进建议
    "suggest#1": ("（{n}）{stage}环节：针对{items}，{measure}", "{n}. {stage}: for {items}, {measure}"),
    "suggest#2": ("（{n}）{stage}环节的重点是{items}。建议{measure}", "{n}. In the {stage} stage the focus is {items}. {measure}"),
    "suggest#3": ("（{n}）在{stage}环节，{items}需要改进：{measure}", "{n}. In the {stage} stage {items} need work: {measure}"),
    "suggest#4": ("（{n}）{items}属于{stage}环节，应当{measure}", "{n}. {items} belong to the {stage} stage: {measure}"),
    "suggest_more": ("其他存在问题的指标的整改措施见附件1。", "Measures for the other problem indicators are in Annex 1."),
    "suggest_list": ("各项问题的整改措施、责任单位和整改时限见附件1。", "Each problem's measure, responsible unit and deadline are in Annex 1."),
    "carried_mark": ("（上年结转）", " (carried from last year)"),
    # ------------------------------------------------------------------ tables
    "th_code": ("编码", "Code"),
    "th_name": ("名称", "Name"),
    "th_dim_ind": ("维度 / 指标", "Dimension / indicator"),
    "th_weight_local": ("维度权重 / 局部权重", "Dimension / local weight"),
    "th_weight_global": ("全局权重", "Global weight"),
    "th_score": ("得分", "Score"),
    "th_weighted": ("加权得分", "Weighted score"),
    "th_score100": ("百分制得分", "100-point score"),
    "th_total": ("合计", "Total"),
    "th_grade": ("等级", "Grade"),
    "th_label": ("名称", "Label"),
    "th_range": ("百分制区间", "100-point range"),
    "th_this": ("本次", "This evaluation"),
    "th_expert_name": ("姓名", "Name"),
    "th_ca": ("判断依据系数", "Basis"),
    "th_cs": ("熟悉程度系数", "Familiarity"),
    "th_cr": ("权威系数", "Authority"),
    "th_w": ("权重", "Weight"),
    "th_round": ("轮次", "Round"),
    "th_experts": ("专家人数", "Experts"),
    "th_sent": ("发出", "Sent"),
    "th_returned": ("收回", "Returned"),
    "th_kendall": ("协调系数 W", "Kendall's W"),
    "th_chi2": ("χ²", "χ²"),
    "th_df": ("自由度", "df"),
    "th_p": ("p 值", "p"),
    "th_sig": ("显著", "Significant"),
    "th_kept": ("保留指标", "Kept"),
    "th_removed": ("剔除指标", "Removed"),
    "th_no": ("序号", "No."),
    "th_id": ("事项编号", "Item ID"),
    "th_indicator": ("指标", "Indicator"),
    "th_stage": ("管理环节", "Stage"),
    "th_figures": ("问题（数据反映的情况）", "Problem (what the figures show)"),
    "th_measure": ("整改措施", "Measure"),
    "th_responsible": ("责任单位", "Responsible unit"),
    "th_deadline": ("整改时限", "Deadline"),
    "th_status": ("整改状态", "Status"),
    "th_matrix": ("判断矩阵", "Matrix"),
    "th_order": ("阶数", "n"),
    "th_lambda": ("最大特征根", "λmax"),
    "th_ci": ("一致性指标 CI", "CI"),
    "th_ri": ("随机一致性指标 RI", "RI"),
    "th_crr": ("一致性比例 CR", "CR"),
    "th_pass": ("通过", "Passes"),
    "th_hier": ("层次总排序", "Hierarchy"),
    "th_local": ("局部权重", "Local weight"),
    "th_change": ("变化", "Change"),
    "th_added": ("新增", "Added"),
    "th_removed_ind": ("删除", "Removed"),
    "th_term": ("术语", "Term"),
    "th_meaning": ("含义", "Meaning"),
    "th_item": ("项目", "Item"),
    "th_value": ("内容", "Value"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "fig_answers": ("得分 {score}；百分制 {s100}；失分 {lost}；{share} 的受访者给出 {lo:g}–{lo2:g} 分{expert}",
                    "score {score}; {s100} on 100; {lost} points lost; {share} answered {lo:g}-{lo2:g}{expert}"),
    "fig_expert": ("；专家重要性评分均值 {mean}", "; experts' importance rating {mean}"),
    "stage_plan": ("计划", "Plan"),
    "stage_do": ("执行", "Do"),
    "stage_check": ("检查", "Check"),
    "stage_act": ("处理", "Act"),
    "sentence_join": ("", " "),
    # ------------------------------------------------------------------ 附件5 (audit)
    "audit_intro": ("本附件供复核使用，说明报告中每个数字的来源和重现方法。", "This annex tells an auditor where every figure comes from and how to reproduce it."),
    "audit_version": ("生成软件", "Software"),
    "audit_file": ("评价工作簿", "Workbook"),
    "audit_sha": ("工作簿 SHA-256", "Workbook SHA-256"),
    "audit_id": ("评价编号", "Evaluation ID"),
    "audit_settings": ("计算设置", "Settings"),
    "audit_rounding": ("数字显示", "Display of figures"),
    "audit_rounding_v": ("权重和 5 分制得分保留 4 位小数，百分制得分保留 2 位小数，均为四舍五入（与电子表格 ROUND 函数相同）；定级按保留两位小数后的百分制得分。",
                         "Weights and 5-point scores to 4 decimals, 100-point scores to 2, rounded half-up as Excel's ROUND; "
                         "the grade is decided on the 100-point score rounded to 2 decimals."),
    "audit_reproduce": ("重现方法", "How to reproduce"),
    "audit_reproduce_v": ("在装有 bpm-xl {v} 的计算机上运行命令 bpm-xl evaluate {file} --json，输出即本报告全部数字的完整精度值；"
                          "运行命令 bpm-xl report {file} --docx 重新生成本报告。工作簿的“评价”“权重”“诊断”工作表以公式给出同样的数字。",
                          "With bpm-xl {v} installed, the command bpm-xl evaluate {file} --json prints every figure of this report "
                          "at full precision; bpm-xl report {file} --docx writes this report again. The workbook's Evaluation, "
                          "Weights and Diagnosis sheets give the same figures as formulas."),
    "audit_formulas": ("计算公式", "Formulas"),
    "audit_formulas_v": ("指标得分 = 有效答卷的平均分；全局权重 = 维度权重 × 维度内局部权重；加权总分 = Σ 全局权重 × 指标得分；"
                         "百分制得分 = 加权总分 ÷ {top:g} × 100；失分 = 全局权重 ×（{top:g} − 指标得分）÷ {top:g} × 100。",
                         "indicator score = mean of valid answers; global weight = dimension weight × local weight; total = "
                         "Σ global weight × score; 100-point score = total / {top:g} × 100; points lost = global weight × "
                         "({top:g} − score) / {top:g} × 100."),
    # ------------------------------------------------------------------ the HTML report's detailed sections
    "html.report": ("预算绩效管理评价报告", "Budget performance management evaluation report"),
    "html.generated": ("由 bpm-xl {v} 生成", "Generated by bpm-xl {v}"),
    "html.contents": ("目录", "Contents"),
    "html.summary": ("一、评价结论", "1. Summary"),
    "html.total": ("加权总分", "Weighted total score"),
    "html.score100": ("百分制得分", "100-point score"),
    "html.rating": ("评价等级", "Rating"),
    "html.bands": ("等级划分", "Rating bands"),
    "html.band_rule": ("等级规则", "Rule"),
    "html.grade": ("等级", "Grade"),
    "html.label": ("名称", "Label"),
    "html.lower": ("百分制下限（含）", "Lower bound (100-point, inclusive)"),
    "html.range": ("区间", "Range"),
    "html.applied": ("本次", "This evaluation"),
    "html.on_scale": ("（{lo:g}–{hi:g} 分制）", " (on a {lo:g}-{hi:g} scale)"),
    "html.hier_cr": ("层次总排序一致性比例 CR", "Overall (hierarchy) consistency ratio CR"),
    "html.kendall_w": ("肯德尔协调系数 W", "Kendall's W"),
    "html.authority": ("专家权威系数 Cr", "Expert authority coefficient Cr"),
    "html.fuzzy_grade": ("模糊综合评价等级", "Fuzzy evaluation grade"),
    "html.tree": ("二、指标体系与权重", "2. Indicator system and weights"),
    "html.tree_note": ("局部权重为在上一级节点内的权重；全局权重 = 维度权重 × 局部权重。",
                  "Local weight: weight within the parent node; global weight = dimension weight x local weight."),
    "html.node": ("节点", "Node"),
    "html.code": ("编码", "Code"),
    "html.name": ("名称", "Name"),
    "html.stage": ("管理环节", "PDCA stage"),
    "html.local_w": ("局部权重", "Local weight"),
    "html.global_w": ("全局权重", "Global weight"),
    "html.goal": ("目标层", "Goal"),
    "html.consistency": ("三、判断矩阵一致性检验", "3. Consistency of the judgment matrices"),
    "html.cons_note": ("阈值：一致性比例 CR < {t:g}。集结矩阵为各专家判断的加权几何平均（判断矩阵几何平均集结）。",
                  "Threshold CR < {t:g}. The aggregated matrix is the weighted geometric mean of the experts' judgments (AIJ)."),
    "html.aggregated": ("集结矩阵", "Aggregated matrices"),
    "html.n": ("阶数 n", "n"),
    "html.lambda_max": ("λmax", "λmax"),
    "html.ci": ("CI", "CI"),
    "html.ri": ("RI", "RI"),
    "html.cr": ("CR", "CR"),
    "html.ok": ("通过", "Acceptable"),
    "html.yes": ("是", "yes"),
    "html.no": ("否", "no"),
    "html.worst": ("最不一致的判断", "Most inconsistent judgments"),
    "html.pair": ("比较对", "Pair"),
    "html.value": ("当前值", "Value"),
    "html.consistent": ("一致值 wᵢ/wⱼ", "Consistent value wᵢ/wⱼ"),
    "html.suggest": ("建议标度", "Suggested scale value"),
    "html.error": ("偏差 eᵢⱼ", "Error eᵢⱼ"),
    "html.cr_after": ("修改后 CR", "CR after change"),
    "html.repair": ("修正建议", "Suggested repair"),
    "html.repair_none": ("所有集结矩阵均通过一致性检验，无需修正。",
                    "Every aggregated matrix passes; no repair needed."),
    "html.per_expert": ("各专家判断矩阵 CR", "CR of each expert's matrices"),
    "html.per_expert_note": ("标红者 CR ≥ {t:g}；该专家在该节点的判断仍参与集结（按专家权重）。",
                        "Red: CR ≥ {t:g}; those judgments still enter the aggregate (with the expert's weight)."),
    "html.expert": ("专家", "Expert"),
    "html.missing": ("补全判断数", "Judgments completed"),
    "html.delphi": ("四、德尔菲专家咨询", "4. Delphi consultation"),
    "html.experts": ("专家与权威系数", "Experts and authority"),
    "html.ca": ("判断依据 Ca", "Basis Ca"),
    "html.cs": ("熟悉程度 Cs", "Familiarity Cs"),
    "html.cr_auth": ("权威系数 Cr", "Authority Cr"),
    "html.weight": ("权重", "Weight"),
    "html.panel": ("专家组", "Panel"),
    "html.round": ("第 {k} 轮", "Round {k}"),
    "html.n_experts": ("专家人数", "Experts"),
    "html.chi2": ("χ²", "χ²"),
    "html.df": ("自由度", "df"),
    "html.p": ("P 值", "p"),
    "html.mean": ("均值", "Mean"),
    "html.sd": ("标准差", "SD"),
    "html.cv": ("变异系数", "CV"),
    "html.full": ("满分频率", "Full-score frequency"),
    "html.median": ("中位数", "Median"),
    "html.keep": ("保留", "Kept"),
    "html.reason": ("剔除原因", "Reason"),
    "html.screen_rule": ("筛选规则：均值 ≥ {m:g} 且变异系数 ≤ {c:g}。",
                    "Screening rule: mean ≥ {m:g} and CV ≤ {c:g}."),
    "html.comparison": ("轮次比较", "Comparison of rounds"),
    "html.no_delphi": ("未提供德尔菲数据。", "No Delphi data."),
    "html.scores": ("五、指标得分与加权得分", "5. Indicator scores and weighted score"),
    "html.answers": ("有效答卷", "Answers"),
    "html.mean_score": ("平均得分", "Mean score"),
    "html.weighted_score": ("加权得分", "Weighted score"),
    "html.dimension": ("维度", "Dimension"),
    "html.dim_score": ("维度得分", "Dimension score"),
    "html.dim_score100": ("维度百分制", "Dimension (100-point)"),
    "html.contribution": ("对总分贡献", "Contribution to total"),
    "html.sum": ("合计", "Total"),
    "html.fuzzy": ("模糊综合评价", "Fuzzy comprehensive evaluation"),
    "html.fuzzy_note": ("B = W·R，R 为各指标答卷在各分值上的比例；按最大隶属度原则定级。",
                   "B = W·R, R the share of answers at each scale value; grade by maximum membership."),
    "html.membership": ("隶属度", "Membership"),
    "html.fuzzy_score": ("模糊评价分 B·V", "Fuzzy score B·V"),
    "html.charts": ("六、图表", "6. Charts"),
    "html.chart_dims": ("各维度百分制得分", "Dimension scores (100-point)"),
    "html.chart_gaps": ("失分最多的指标", "Indicators that cost the most points"),
    "html.chart_weights": ("指标全局权重分布", "Global weights of the indicators"),
    "html.chart_radar": ("各维度百分制得分雷达图", "Radar of the dimension scores (100-point)"),
    "html.chart_resp": ("受访者百分制得分分布", "Distribution of the respondents' 100-point scores"),
    "html.analysis": ("分析", "Analysis"),
    "html.rect": ("问题清单及整改清单", "List of problems and rectification"),
    "html.yoy": ("与上年比较", "Compared with last year"),
    "html.improve": ("七、改进建议（按管理环节）", "7. Improvement priorities (PDCA)"),
    "html.improve_note": ("差距 = 满分 − 得分；加权差距 = 全局权重 × 差距，即该指标使总分损失的分值；"
                     "百分制失分 = 加权差距 / 满分 × 100。按计划—执行—检查—处理四个阶段列出。",
                     "Gap = top of scale − score; weighted gap = global weight × gap, the points the "
                     "indicator costs the total; 100-point loss = weighted gap / top of scale × 100. "
                     "Listed by plan-do-check-act stage."),
    "html.top": ("存在问题的指标中失分最多的 {k} 项", "The {k} problems that cost most"),
    "html.rank": ("排名", "Rank"),
    "html.gap": ("差距", "Gap"),
    "html.wgap": ("加权差距", "Weighted gap"),
    "html.loss100": ("百分制失分", "100-point loss"),
    "html.share": ("占全部失分", "Share of loss"),
    "html.stage_total": ("本阶段失分合计 {x}（百分制 {y}）", "Stage total {x} (100-point {y})"),
    "html.sensitivity": ("八、敏感性分析", "8. Sensitivity analysis"),
    "html.methods": ("附录：方法、公式与设置", "Appendix: methods, formulas and settings"),
    "html.settings": ("设置", "Settings"),
    "html.setting": ("项目", "Setting"),
    "html.ri_table": ("随机一致性指标 RI（表 {t}）", "Random index RI (table {t})"),
    "html.stage_plan": ("计划：目标设定、预算编制与制度设计", "Plan: targets, budget preparation, rules"),
    "html.stage_do": ("执行：预算执行、运行监控与能力建设", "Do: execution, monitoring, capacity"),
    "html.stage_check": ("检查：绩效评价与效益核查", "Check: evaluation and results"),
    "html.stage_act": ("处理：结果应用、整改与问责", "Act: use of results, rectification, accountability"),
    # the HTML report's sensitivity and methods sections
    "html.judgment_perturbation": ("判断扰动", "Judgment perturbation"),
    "html.panel_bootstrap": ("专家重抽样", "Panel bootstrap"),
    "html.respondent_bootstrap": ("答卷重抽样", "Respondent bootstrap"),
    "html.mean_100_pt": ("百分制均值", "Mean (100-pt)"),
    "html.95_interval": ("95% 区间", "95% interval"),
    "html.rating_unchanged": ("等级不变", "Rating unchanged"),
    "html.perturbation_95": ("判断扰动 95%", "Perturbation 95%"),
    "html.bootstrap_95": ("专家重抽样 95%", "Bootstrap 95%"),
    "html.increase": ("增加", "Increase"),
    "html.decrease": ("减少", "Decrease"),
    "html.ahp_weights": ("AHP 权重", "AHP weights"),
    "html.m_consistency": ("一致性", "Consistency"),
    "html.cr_0_for_n_2_acceptable_when_cr": ("；n ≤ 2 时 CR = 0；CR < ", "; CR = 0 for n ≤ 2; acceptable when CR < "),
    "html.acceptable_end": ("为可接受。", "."),
    "html.missing_judgments": ("缺失判断", "Missing judgments"),
    "html.expert_weights": ("专家权重", "Expert weights"),
    "html.group_aggregation": ("群组集结", "Group aggregation"),
    "html.global_weights": ("全局权重", "Global weights"),
    "html.dimension_weight_local_weight": ("（维度权重 × 维度内局部权重）", " (dimension weight × local weight)"),
    "html.hierarchy_cr": ("层次总排序", "Hierarchy CR"),
    "html.over_the_dimension_matrices_d": ("，d 为各维度判断矩阵。", ", over the dimension matrices d."),
    "html.indicator_scores": ("指标得分", "Indicator scores"),
    "html.blanks_skipped_answers_must_lie_in": ("，跳过空白答卷；答案须在 ", ", blanks skipped; answers must lie in "),
    "html.total_and_rating": ("总分与等级", "Total and rating"),
    "html.the_grade_is_the_highest_band_whose_lowe": ("；等级取 S₁₀₀ 达到的最高下限（规则 ", "; the grade is the highest band whose lower bound S₁₀₀ reaches (rule "),
    "html.x_": ("）。", ")."),
    "html.dimension_scores": ("维度得分", "Dimension scores"),
    "html.delphi_statistics": ("德尔菲统计", "Delphi statistics"),
    "html.screening_mean": ("；筛选：均值 ≥ ", "; screening: mean ≥ "),
    "html.and_cv": (" 且 CV ≤ ", " and CV ≤ "),
    "html.each_expert_s_ratings_are_ranked_first_t": ("；每位专家的评分先转为秩（并列取平均秩）。", "; each expert's ratings are ranked first (ties get average ranks)."),
    "html.m_authority": ("权威系数", "Authority"),
    "html.fuzzy_evaluation": ("模糊综合评价", "Fuzzy evaluation"),
    "html.grade_by_maximum_membership": ("，按最大隶属度定级。", ", grade by maximum membership."),
    "html.priorities": ("改进优先级", "Priorities"),
    "html.stability_of_the_dimension_weights": ("维度权重的稳定性", "Stability of the dimension weights"),
    "html.dimension_weight_change_that_would_chang": ("改变评价等级所需的维度权重变化", "Dimension weight change that would change the rating"),
    "html.closed_since_last_year": ("上年已完成整改事项", "Closed since last year"),
    "html.sens_note": ("每部分 {draws} 次抽样，随机种子 {seed}。判断扰动：每个专家判断以概率 {prob} 在 1–9 标度上上下移动一格；"
                       "专家重抽样：专家组有放回重抽样；答卷重抽样：受访者有放回重抽样（权重不变）。区间为 2.5%–97.5% 分位数。",
                       "{draws} draws per part, seed {seed}. Judgment perturbation: each judgment moves one step on the "
                       "Saaty 1-9 scale with probability {prob}; panel bootstrap: experts resampled with replacement; "
                       "respondent bootstrap: respondents resampled with replacement (weights held). Intervals are the "
                       "2.5th-97.5th percentiles."),
    "html.sens_rescaled": ("其余维度按比例调整；“none within [0,1]” 表示该方向上任何权重都不会改变等级。",
                           "The other dimensions are rescaled proportionally; 'none within [0,1]' means no weight in that "
                           "direction changes the rating."),
    "html.method_eigen": ("特征向量法：A w = λmax w，w 取主特征向量并归一化（Σ wᵢ = 1）。",
                          "Principal eigenvector: A w = λmax w, w normalised to Σ wᵢ = 1."),
    "html.method_geomean": ("几何平均法：wᵢ = (Π_j aᵢⱼ)^(1/n) / Σ_k (Π_j aₖⱼ)^(1/n)；λmax = (1/n) Σᵢ (A w)ᵢ / wᵢ。",
                            "Row geometric mean: wᵢ = (Π_j aᵢⱼ)^(1/n) / Σ_k (Π_j aₖⱼ)^(1/n); λmax = (1/n) Σᵢ (A w)ᵢ / wᵢ."),
    "html.method_arith": ("算术平均法（列归一化后按行平均）：wᵢ = (1/n) Σ_j aᵢⱼ / Σ_k aₖⱼ；λmax = (1/n) Σᵢ (A w)ᵢ / wᵢ。",
                          "Column-normalised row average: wᵢ = (1/n) Σ_j aᵢⱼ / Σ_k aₖⱼ; λmax = (1/n) Σᵢ (A w)ᵢ / wᵢ."),
    "html.missing_text": ("空白判断按最大特征根最小原则补全（博佐基、菲洛普、罗尼艾 2010），只填写上三角时下三角取倒数 aⱼᵢ = 1/aᵢⱼ。",
                          "Blank judgments are completed by minimising λmax (Bozóki, Fülöp, Rónyai 2010); a blank lower "
                          "triangle is filled with reciprocals aⱼᵢ = 1/aᵢⱼ."),
    "html.aij_text": ("（判断矩阵几何平均集结：各专家判断的加权几何平均，权重取自集结矩阵）",
                      " (AIJ, weighted geometric mean of the judgments; weights from the aggregated matrix)"),
    "html.aip_text": ("（各专家权重的加权几何平均后归一化）；一致性仍以判断矩阵几何平均集结的矩阵检验。",
                      " (AIP, weighted geometric mean of the experts' priorities, normalised); consistency is still "
                      "checked on the AIJ matrix."),
    "html.authority_text": ("；判断依据系数：实践经验 .5/.4/.3、理论分析 .3/.2/.1、参考文献 .1、直觉 .1；"
                            "熟悉程度系数：很熟悉 1、熟悉 .8、一般 .5、不太熟悉 .3、不熟悉 .1。",
                            "; Ca: practical experience .5/.4/.3, theory .3/.2/.1, literature .1, intuition .1; "
                            "Cs: very familiar 1, familiar .8, moderately .5, less .3, unfamiliar .1."),
    "sha_none": ("无（由内置示例数据生成）", "none (made from the built-in example)"),
}

#: 附件4: every method word of the report, in the bureau's language.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("层次分析法", "把评价目标分解为维度和指标，由专家对同一层次的要素两两比较重要性，形成判断矩阵，据此计算各要素权重的方法。"),
    ("判断矩阵", "专家按 1–9 标度对同一层次要素两两比较的结果；每个数表示所在行的要素相对于所在列的要素的重要程度。"),
    ("判断矩阵几何平均集结", "把各位专家对同一对要素的判断按专家权重取加权几何平均，得到专家组的判断矩阵。"),
    ("特征向量法", "以判断矩阵最大特征根对应的特征向量（归一化后）作为权重的计算方法。"),
    ("一致性比例 CR", "衡量判断矩阵前后判断是否自相矛盾的指标：一致性指标 CI 除以平均随机一致性指标 RI；小于 0.1 视为通过。"),
    ("平均随机一致性指标（国内常用表）", "随机构造的判断矩阵一致性指标的平均值 RI，按矩阵阶数查表；本报告采用国内教材和论文通用的数值表。"),
    ("层次总排序一致性比例", "以各维度权重加权汇总各维度判断矩阵一致性的指标，用于检验整个指标体系的权重。"),
    ("德尔菲法", "通过多轮匿名征询专家意见、逐轮反馈汇总结果，使专家意见趋于一致，据以遴选指标的方法。"),
    ("专家权威系数", "判断依据系数与熟悉程度系数的平均值，反映专家对所评内容的把握程度，0.7 以上一般视为可接受。"),
    ("肯德尔协调系数 W", "衡量多位专家对各指标评分排序一致程度的统计量，取值 0–1，越大越一致；以卡方检验判断是否显著（p < 0.05 为显著）。"),
    ("变异系数", "标准差与均值之比，反映专家评分的离散程度，越小意见越集中。"),
    ("全局权重", "指标在整个指标体系中的权重，等于所属维度权重乘以指标在维度内的权重。"),
    ("失分", "指标未达满分而使百分制总分减少的分值：全局权重 ×（满分 − 得分）÷ 满分 × 100。"),
    ("判定线", "判定指标是否存在问题的百分制分数线，在评价工作簿“设置”工作表中填写，默认 80 分。"),
    ("计划、执行、检查、处理", "预算绩效管理的四个环节：计划（目标设定、预算编制与制度设计）、执行（预算执行、运行监控与能力建设）、"
     "检查（绩效评价与效益核查）、处理（结果应用、整改与问责），循环推进。"),
)


#: Annex 4 of the English edition: the same terms.
GLOSSARY_EN: tuple[tuple[str, str], ...] = (
    ("Analytic hierarchy process", "The goal is split into dimensions and indicators; experts compare the elements of "
     "each level in pairs, and the weights are computed from these judgment matrices."),
    ("Judgment matrix", "One expert's pairwise comparisons on the 1-9 scale; each entry says how much more important "
     "the row's element is than the column's."),
    ("Aggregation of judgments (AIJ)", "The weighted geometric mean of the experts' judgments of each pair: the "
     "group's judgment matrix."),
    ("Principal eigenvector method", "The weights are the normalised eigenvector of the largest eigenvalue."),
    ("Consistency ratio CR", "CI divided by the random index RI; below 0.1 the matrix passes."),
    ("Random index RI", "The mean consistency index of random matrices of the same order, from a published table."),
    ("Hierarchy CR", "The consistency of the whole system: the dimension matrices' CI and RI weighted by the dimension weights."),
    ("Delphi method", "Anonymous rounds of expert ratings with feedback, until opinions converge; used to settle the indicators."),
    ("Authority coefficient", "The mean of an expert's basis and familiarity coefficients; 0.7 or more is usually acceptable."),
    ("Kendall's W", "How far the experts agree on the ranking of the indicators, 0-1; significant when the "
     "chi-squared test gives p < 0.05."),
    ("Coefficient of variation", "Standard deviation over mean of the experts' ratings; smaller means more agreement."),
    ("Global weight", "An indicator's weight in the whole system: its dimension's weight times its weight within the dimension."),
    ("Points lost", "What an indicator below the top of the scale costs the 100-point total: global weight × "
     "(top − score) / top × 100."),
    ("Problem line", "The 100-point score below which an indicator is a problem; set on the Settings sheet, 80 by default."),
    ("Plan, do, check, act", "The four stages of budget performance management: targets and budgets, execution and "
     "monitoring, evaluation, and use of the results."),
)


def glossary(lang: str) -> tuple[tuple[str, str], ...]:
    return GLOSSARY if lang == "zh" else GLOSSARY_EN


def T(key: str, lang: str, **kw: Any) -> str:
    """The text of ``key`` in ``lang`` ("zh" or "en"), formatted with ``kw``."""
    zh, en = CATALOGUE[key]
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def has(key: str) -> bool:
    return key in CATALOGUE


def variant(key: str, _index: int, _lang: str, /, **kw: Any) -> str:
    """The k-th (0-based, cycling) of the frames ``key#1``, ``key#2`` ..."""
    n = 1
    while f"{key}#{n + 1}" in CATALOGUE:
        n += 1
    return T(f"{key}#{_index % n + 1}", _lang, **kw)
