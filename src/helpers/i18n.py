"""Every word a report shows, in Vietnamese and English, in one place.

:data:`TEXT` maps a key to ``{"vi": ..., "en": ...}``; :func:`t` looks a key
up and fills its ``{placeholders}``. The vocabularies of the data contract
(activities, services, sex, household, area groups, table names) have their own
small functions. Measure labels and definitions are not here: they live with
the measures, in :data:`helpers.measures.MEASURES`.

The validation messages of :mod:`helpers.validate` are written in English for
the people who fix the data; :func:`describe_problem` says them in plain
words in either language, so a Vietnamese report has no English in it.

>>> t("total", "vi"), t("total", "en")
('Tổng', 'Total')
>>> t("n_areas", "en", n="2", names="Thung Nai, Bình Thanh")
'2 areas: Thung Nai, Bình Thanh'
"""
from __future__ import annotations

import re

from .fmt import check_lang

TEXT: dict[str, dict[str, str]] = {
    # --- cover and structure
    "report_kind": {"vi": "Báo cáo đánh giá dự án vận động tham gia Bảo hiểm y tế (BHYT)",
                    "en": "Evaluation report of a health-insurance (Bảo hiểm y tế, BHYT) outreach project"},
    "donor": {"vi": "Nhà tài trợ", "en": "Donor"},
    "implementer": {"vi": "Đơn vị thực hiện", "en": "Implementer"},
    "place": {"vi": "Địa bàn", "en": "Place"},
    "n_areas": {"vi": "{n} địa bàn: {names}", "en": "{n} areas: {names}"},
    "period": {"vi": "Thời gian thực hiện", "en": "Period"},
    "generated": {"vi": "Ngày lập báo cáo", "en": "Report generated"},
    "cover_synthesized": {
        "vi": "Lưu ý: một phần số liệu chi tiết của dự án này được mô phỏng để khớp với các con số đã công bố "
              "(xem mục Phương pháp và định nghĩa).",
        "en": "Note: part of this project's record-level data was synthesized to add up to its published "
              "figures (see Method and definitions)."},
    "contents": {"vi": "Mục lục", "en": "Contents"},
    # --- key results
    "key_results": {"vi": "Kết quả chính", "en": "Key results"},
    "target_is": {"vi": "Chỉ tiêu: {value}", "en": "Target: {value}"},
    "results_vs_targets": {"vi": "Kết quả so với chỉ tiêu", "en": "Results against targets"},
    "measure": {"vi": "Chỉ số", "en": "Measure"},
    "baseline": {"vi": "Ban đầu", "en": "Baseline"},
    "target": {"vi": "Chỉ tiêu", "en": "Target"},
    "actual": {"vi": "Thực hiện", "en": "Actual"},
    "percent_of_target": {"vi": "% chỉ tiêu", "en": "% of target"},
    "status": {"vi": "Đánh giá", "en": "Status"},
    "status_achieved": {"vi": "Đạt", "en": "Achieved"},
    "status_nearly": {"vi": "Gần đạt", "en": "Nearly achieved"},
    "status_not_achieved": {"vi": "Chưa đạt", "en": "Not achieved"},
    "status_no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "targets_note": {
        "vi": "% chỉ tiêu = kết quả thực hiện chia chỉ tiêu (khi có giá trị ban đầu: phần khoảng cách từ giá trị "
              "ban đầu đến chỉ tiêu đã đạt được). Đạt: từ 100%; gần đạt: từ 90%.",
        "en": "% of target = actual divided by target (with a baseline: the share of the distance from baseline "
              "to target that was covered). Achieved: 100% or more; nearly achieved: 90% or more."},
    # --- activities
    "activities": {"vi": "Hoạt động", "en": "Activities"},
    "activities_summary": {
        "vi": "Dự án đã tổ chức {events} hoạt động tại {communes} địa bàn, với tổng số {participants} lượt người "
              "tham dự, từ {first} đến {last}.",
        "en": "The project held {events} events in {communes} areas, attended {participants} times in all, "
              "from {first} to {last}."},
    "events": {"vi": "Số hoạt động", "en": "Events"},
    "events_by_type": {"vi": "Theo loại hoạt động", "en": "By type of activity"},
    "events_by_commune": {"vi": "Theo địa bàn", "en": "By area"},
    "activity": {"vi": "Loại hoạt động", "en": "Activity"},
    "commune": {"vi": "Địa bàn", "en": "Area"},
    "participants": {"vi": "Lượt người tham dự", "en": "Participants"},
    "women": {"vi": "Trong đó nữ", "en": "Of whom women"},
    "ethnic_minority_people": {"vi": "Trong đó người DTTS", "en": "Of whom ethnic minority"},
    "cost": {"vi": "Chi phí", "en": "Cost"},
    "chart_events_by_month": {"vi": "Số hoạt động theo tháng và loại hoạt động",
                              "en": "Events per month, by type of activity"},
    "partial_counts_note": {
        "vi": "Số nữ và số người dân tộc thiểu số chỉ cộng các hoạt động có ghi các số này.",
        "en": "Women and ethnic-minority participants add up only the events where they were recorded."},
    "suppression_note": {
        "vi": "{mark}: dưới {min} người, không nêu số để bảo vệ danh tính; {secondary}: ẩn để không suy ra được "
              "số nhỏ từ tổng.",
        "en": "{mark}: fewer than {min} people, not shown to protect identities; {secondary}: hidden so that a "
              "small number cannot be worked out from the totals."},
    # --- people served
    "people_served": {"vi": "Người được phục vụ", "en": "People served"},
    "people_summary": {
        "vi": "{served} người khác nhau đã nhận ít nhất một dịch vụ của dự án ({groups}). Mỗi người chỉ được "
              "đếm một lần, dù nhận dịch vụ nhiều lần.",
        "en": "{served} different people received at least one service of the project ({groups}). Each person "
              "is counted once, however many times they were served."},
    "summary_counselled": {"vi": "được tư vấn hoặc trợ giúp pháp lý", "en": "counselled or given legal aid"},
    "summary_examined": {"vi": "được khám sức khỏe", "en": "given a health check"},
    "summary_enrolled": {"vi": "được hỗ trợ tham gia hoặc gia hạn BHYT", "en": "helped to enrol or renew"},
    "people_per_service": {"vi": "Số người theo dịch vụ", "en": "People per service"},
    "service": {"vi": "Dịch vụ", "en": "Service"},
    "people_n": {"vi": "Số người", "en": "People"},
    "times_served": {"vi": "Số lượt", "en": "Times provided"},
    "overlaps": {"vi": "Người nhận nhiều loại dịch vụ", "en": "People who received several services"},
    "overlaps_note": {
        "vi": "Mỗi người thuộc đúng một dòng, theo các nhóm dịch vụ đã nhận.",
        "en": "Each person is in exactly one row, by the groups of services they received."},
    "services_received": {"vi": "Dịch vụ đã nhận", "en": "Services received"},
    "share_of_served": {"vi": "% số người được phục vụ", "en": "% of people served"},
    "by_sex": {"vi": "Theo giới tính", "en": "By sex"},
    "by_ethnicity": {"vi": "Theo dân tộc", "en": "By ethnicity"},
    "by_age": {"vi": "Theo nhóm tuổi", "en": "By age"},
    "by_household": {"vi": "Theo loại hộ", "en": "By household"},
    "dimension_sex": {"vi": "Giới tính", "en": "Sex"},
    "dimension_ethnicity": {"vi": "Dân tộc", "en": "Ethnicity"},
    "dimension_age": {"vi": "Nhóm tuổi", "en": "Age"},
    "dimension_household": {"vi": "Loại hộ", "en": "Household"},
    "not_recorded": {"vi": "Không ghi", "en": "Not recorded"},
    "other_minorities": {"vi": "Dân tộc thiểu số khác", "en": "Other ethnic minorities"},
    "age_band": {"vi": "{low}–{high} tuổi", "en": "{low}–{high} years"},
    "age_band_plus": {"vi": "Từ {low} tuổi", "en": "{low} years and over"},
    "chart_profile": {"vi": "Người được phục vụ: tỷ lệ theo từng đặc điểm",
                      "en": "People served: shares by characteristic"},
    "profile_note": {
        "vi": "Tỷ lệ tính trên số người có ghi đặc điểm đó (như các chỉ số), mỗi người một lần. Tuổi tính đến "
              "năm {year}.",
        "en": "Shares are of the people for whom the characteristic was recorded (as in the measures), each "
              "person once. Age is counted at {year}."},
    # --- coverage
    "coverage": {"vi": "Bao phủ bảo hiểm y tế", "en": "Health-insurance coverage"},
    "coverage_summary": {
        "vi": "Tại ngày {date}, {rate} dân số các địa bàn can thiệp có thẻ BHYT ({insured} trên {population} người).",
        "en": "On {date}, {rate} of the people of the intervention areas were insured ({insured} of "
              "{population})."},
    "coverage_target_sentence": {"vi": "Chỉ tiêu là {target}.", "en": "The target is {target}."},
    "uniform_target_note": {"vi": "Chỉ tiêu tỷ lệ bao phủ của mọi địa bàn là {target}.",
                            "en": "Every area's coverage target is {target}."},
    "coverage_by_area": {"vi": "Tỷ lệ bao phủ theo địa bàn", "en": "Coverage by area"},
    "chart_coverage_by_area": {"vi": "Tỷ lệ bao phủ BHYT theo địa bàn", "en": "Health-insurance coverage by area"},
    "coverage_axis": {"vi": "Tỷ lệ người dân có thẻ BHYT", "en": "Share of residents insured"},
    "axis_not_from_zero": {"vi": "trục không bắt đầu từ 0%", "en": "axis not starting at 0%"},
    "area_intervention": {"vi": "Địa bàn can thiệp", "en": "Intervention areas"},
    "area_comparison": {"vi": "Địa bàn đối chứng", "en": "Comparison areas"},
    "area_comparison_short": {"vi": "đối chứng", "en": "comparison"},
    "area_group": {"vi": "Nhóm", "en": "Group"},
    "population": {"vi": "Dân số", "en": "Population"},
    "insured": {"vi": "Có thẻ BHYT", "en": "Insured"},
    "coverage_rate_short": {"vi": "Tỷ lệ bao phủ", "en": "Coverage"},
    "to_enrol": {"vi": "Cần tham gia mới", "en": "New to enrol"},
    "renewals_due": {"vi": "Thẻ cần gia hạn", "en": "Renewals due"},
    "to_mobilise": {"vi": "Cần vận động", "en": "To mobilise"},
    "total_intervention": {"vi": "Tổng địa bàn can thiệp", "en": "All intervention areas"},
    "mobilise_sentence": {
        "vi": "Để đạt chỉ tiêu, cần vận động {total} người: {new} người tham gia mới và {renewals} thẻ cần gia hạn.",
        "en": "To reach the target, {total} people still have to be mobilised: {new} new enrolments and "
              "{renewals} renewals due."},
    "plan_and_revenue": {"vi": "Kế hoạch phát triển và kế hoạch thu", "en": "Enrolment and revenue plans"},
    "plan_row": {"vi": "Số người tham gia (theo thẻ cấp)", "en": "Participants (cards issued)"},
    "revenue_row": {"vi": "Số thu", "en": "Contributions collected"},
    "achieved_amount": {"vi": "Thực hiện", "en": "Achieved"},
    "plan": {"vi": "Kế hoạch", "en": "Plan"},
    "percent_of_plan": {"vi": "% kế hoạch", "en": "% of plan"},
    "coverage_over_time": {"vi": "Thay đổi theo thời gian", "en": "Change over time"},
    "change_sentence": {
        "vi": "Tỷ lệ bao phủ của các địa bàn can thiệp thay đổi {change} từ {first} đến {last}.",
        "en": "Coverage of the intervention areas changed by {change} from {first} to {last}."},
    "did_sentence": {
        "vi": "So với địa bàn đối chứng, chênh lệch kép là {did}.",
        "en": "Against the comparison areas, the difference in differences is {did}."},
    "did_note": {
        "vi": "Chênh lệch kép so sánh hai thay đổi; nó không tự chứng minh nguyên nhân: các chương trình khác hay "
              "cách chọn địa bàn cũng có thể tạo ra chênh lệch.",
        "en": "The difference in differences compares two changes; it does not prove a cause by itself: other "
              "programmes, or how the areas were chosen, can explain a gap too."},
    "chart_coverage_change": {"vi": "Tỷ lệ bao phủ ngày đầu (○) và ngày cuối (●)",
                              "en": "Coverage at the first (○) and the last (●) date"},
    "first_date": {"vi": "Ngày đầu", "en": "First date"},
    "last_date": {"vi": "Ngày cuối", "en": "Last date"},
    "change": {"vi": "Thay đổi", "en": "Change"},
    # --- money
    "money": {"vi": "Tài chính", "en": "Money"},
    "total_budget": {"vi": "Tổng kinh phí dự án", "en": "Project budget"},
    "budget_lines": {"vi": "Dự toán và giải ngân theo hạng mục", "en": "Budget lines: planned and disbursed"},
    "budget_line": {"vi": "Hạng mục", "en": "Budget line"},
    "category": {"vi": "Loại", "en": "Category"},
    "planned": {"vi": "Dự toán", "en": "Planned"},
    "disbursed": {"vi": "Giải ngân", "en": "Disbursed"},
    "execution": {"vi": "Tỷ lệ giải ngân", "en": "Execution"},
    "chart_budget": {"vi": "Dự toán và giải ngân theo hạng mục", "en": "Planned and disbursed, by budget line"},
    "million_unit": {"vi": "Triệu {unit}", "en": "Million {unit}"},
    "execution_sentence": {
        "vi": "Đã giải ngân {disbursed} trên dự toán {planned}, đạt {rate}.",
        "en": "{disbursed} was disbursed of {planned} planned: {rate}."},
    "cost_note": {
        "vi": "Chi phí trên mỗi người chia toàn bộ kinh phí dự án cho số người; kinh phí có thể gồm cả những khoản "
              "không phục vụ trực tiếp người dân, nên cần so sánh thận trọng giữa các dự án.",
        "en": "Cost per person divides the whole project budget by the number of people; budgets may include "
              "items that do not serve people directly, so compare projects with care."},
    # --- published figures
    "published_figures": {"vi": "Số liệu công bố so với dữ liệu", "en": "Published figures against the data"},
    "published": {"vi": "Công bố", "en": "Published"},
    "computed": {"vi": "Tính từ dữ liệu", "en": "Computed"},
    "difference": {"vi": "Chênh lệch", "en": "Difference"},
    "verdict": {"vi": "Kết luận", "en": "Verdict"},
    "verdict_match": {"vi": "✓ Khớp", "en": "✓ Match"},
    "verdict_within_tolerance": {"vi": "≈ Khớp trong sai số làm tròn", "en": "≈ Within rounding"},
    "verdict_mismatch": {"vi": "✗ Không khớp", "en": "✗ Mismatch"},
    "verdict_not_computed": {"vi": "– Không tính được", "en": "– Not computed"},
    "reconciliation_summary": {
        "vi": "Dự án đã công bố {n} con số: {match} khớp với dữ liệu, {tolerance} khớp trong sai số làm tròn, "
              "{mismatch} không khớp, {missing} không tính được từ dữ liệu.",
        "en": "The project published {n} figures: {match} match the data, {tolerance} match within rounding, "
              "{mismatch} do not match, and {missing} cannot be computed from the data."},
    "mismatch_sentence": {
        "vi": "“{label}”: công bố {reported}, nhưng dữ liệu cho {computed} (chênh lệch {difference}). Cần kiểm tra "
              "lại con số công bố hoặc dữ liệu.",
        "en": "“{label}”: published as {reported}, but the data give {computed} (a difference of {difference}). "
              "Either the published figure or the data needs checking."},
    "tolerance_sentence": {
        "vi": "“{label}”: công bố {reported}, dữ liệu cho {computed}; chênh lệch nằm trong sai số làm tròn.",
        "en": "“{label}”: published as {reported}, the data give {computed}; the difference is within rounding."},
    "not_computed_sentence": {
        "vi": "“{label}”: công bố {reported}, nhưng gói dữ liệu không có số liệu để tính.",
        "en": "“{label}”: published as {reported}, but the data package has nothing to compute it from."},
    "reconciliation_rule": {
        "vi": "Quy tắc: số đếm phải khớp chính xác; tỷ lệ khớp trong phạm vi 0,5 điểm phần trăm (con số công bố "
              "thường đã làm tròn); số tiền trong phạm vi 0,5%. Chênh lệch luôn được nêu, không bao giờ bị ẩn.",
        "en": "Rule: counts must match exactly; shares and rates within 0.5 percentage points (published shares "
              "are rounded); money within 0.5%. A mismatch is always shown, never hidden."},
    # --- data quality
    "data_quality": {"vi": "Chất lượng dữ liệu", "en": "Data quality"},
    "quality_intro": {
        "vi": "Gói dữ liệu ({files} tệp; {tables}) đã được kiểm tra theo quy định về gói dữ liệu và không có lỗi.",
        "en": "The data package ({files} files; {tables}) was checked against the data-package rules and has "
              "no errors."},
    "n_rows": {"vi": "{table}: {n} dòng", "en": "{table}: {n} rows"},
    "no_tables": {"vi": "không có bảng số liệu", "en": "no tables"},
    "quality_warnings": {
        "vi": "{n} cảnh báo không làm dừng báo cáo, nhưng nên được kiểm tra lại:",
        "en": "{n} warnings did not stop the report, but should be checked:"},
    "quality_no_warnings": {"vi": "Không có cảnh báo nào.", "en": "No warnings."},
    # --- method
    "method": {"vi": "Phương pháp và định nghĩa", "en": "Method and definitions"},
    "method_intro": {
        "vi": "Mọi con số trong báo cáo được tính bằng mã nguồn mở của sổ tay đánh giá, từ gói dữ liệu của dự án, "
              "theo cùng một định nghĩa cho mọi dự án; không có số nào được gõ tay.",
        "en": "Every figure in this report is computed by the workbook's open code from the project's data "
              "package, with the same definitions for every project; none is typed by hand."},
    "definitions": {"vi": "Định nghĩa các chỉ số", "en": "Definitions of the measures"},
    "definition": {"vi": "Định nghĩa", "en": "Definition"},
    "sources": {"vi": "Nguồn số liệu công bố", "en": "Sources of the published figures"},
    "synthesized": {"vi": "Số liệu mô phỏng", "en": "Synthesized data"},
    "synthesized_tables": {
        "vi": "Các bảng sau được mô phỏng từ các con số tổng đã công bố, sao cho cộng lại đúng bằng các con số đó: "
              "{tables}. Chúng minh họa cách tính, không phải hồ sơ thật của người dân.",
        "en": "These tables were synthesized from the published totals so that they add up to them exactly: "
              "{tables}. They illustrate the method; they are not real people's records."},
    "some_tables": {"vi": "một số bảng", "en": "some tables"},
    "caveats": {"vi": "Lưu ý khi đọc", "en": "Caveats"},
    "caveat_data": {
        "vi": "Kết quả chỉ đúng bằng dữ liệu được cung cấp: hoạt động hay người được phục vụ không được ghi lại "
              "thì không được tính.",
        "en": "Results are as good as the data provided: events or people not recorded are not counted."},
    "caveat_shares": {
        "vi": "Tỷ lệ theo người (không theo lượt) và chỉ trên những người có ghi đặc điểm đó.",
        "en": "Shares are per person (not per visit) and only over the people for whom the characteristic "
              "was recorded."},
    "caveat_coverage": {
        "vi": "Tỷ lệ bao phủ lấy tại ngày số liệu mới nhất, trên các địa bàn can thiệp; số người có thẻ gồm cả "
              "thẻ do cơ quan khác cấp.",
        "en": "Coverage is taken at the latest date, over intervention areas; insured people include cards "
              "issued by other offices."},
    "caveat_suppression": {
        "vi": "Số người dưới mức tối thiểu được ghi {mark}, và một ô khác được ẩn ({secondary}) khi cần để không "
              "suy ra được từ tổng; các bảng khác nhau không được đối chiếu chéo với nhau để bảo vệ.",
        "en": "Counts of people below the minimum are shown as {mark}, and another cell is hidden ({secondary}) "
              "where needed so they cannot be worked out from the totals; tables are not checked against each "
              "other for this."},
    "caveat_cost": {
        "vi": "Chi phí trên mỗi người dùng tổng kinh phí dự án, không chỉ kinh phí của từng hoạt động.",
        "en": "Cost per person uses the whole project budget, not only the cost of each activity."},
    # --- reproducibility
    "reproducibility": {"vi": "Khả năng tái lập", "en": "Reproducibility"},
    "reproducibility_intro": {
        "vi": "Báo cáo có thể được tạo lại đúng như vậy từ cùng các tệp đầu vào (kiểm tra bằng mã SHA-256) và cùng "
              "phiên bản phần mềm.",
        "en": "The report can be made again, the same, from the same input files (check them by their SHA-256) "
              "and the same software versions."},
    "parameters": {"vi": "Tham số", "en": "Parameters"},
    "parameter": {"vi": "Tham số", "en": "Parameter"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "default_data_dir": {"vi": "mặc định (data/projects)", "en": "default (data/projects)"},
    "input_files": {"vi": "Tệp đầu vào", "en": "Input files"},
    "file": {"vi": "Tệp", "en": "File"},
    "bytes": {"vi": "Dung lượng (byte)", "en": "Size (bytes)"},
    "software": {"vi": "Phần mềm", "en": "Software"},
    "package": {"vi": "Gói", "en": "Package"},
    "version": {"vi": "Phiên bản", "en": "Version"},
    "generated_at": {"vi": "Thời điểm tạo báo cáo: {when}.", "en": "Generated on {when}."},
    "rerun": {"vi": "Tạo lại báo cáo bằng lệnh:", "en": "Make it again with:"},
    # --- shared
    "total": {"vi": "Tổng", "en": "Total"},
    # --- index page (helpers.render)
    "index_title": {"vi": "Báo cáo đánh giá các dự án", "en": "Project evaluation reports"},
    "index_intro": {"vi": "{n} dự án, tạo lúc {when}.", "en": "{n} projects, generated on {when}."},
    "project": {"vi": "Dự án", "en": "Project"},
    "headline": {"vi": "Kết quả chính", "en": "Key results"},
    "links": {"vi": "Báo cáo", "en": "Report"},
    "web_page": {"vi": "Trang web", "en": "Web page"},
    "failed": {"vi": "Không tạo được báo cáo", "en": "Report failed"},
    "failed_cell": {"vi": "lỗi ở ô {cell}", "en": "error in cell {cell}"},
    "previous_report": {"vi": "báo cáo lần trước (vẫn giữ)", "en": "previous report (kept)"},
    "n_failed": {"vi": "{n} dự án không tạo được báo cáo.", "en": "{n} projects could not be reported."},
}

_ACTIVITIES = {
    "communication": ("Truyền thông", "Communication"),
    "training": ("Tập huấn", "Training"),
    "counselling": ("Tư vấn", "Counselling"),
    "health_check": ("Khám sức khỏe", "Health check"),
    "campaign": ("Chiến dịch, lễ phát động", "Campaign"),
    "broadcast": ("Phát thanh", "Broadcast"),
    "meeting": ("Hội nghị, họp", "Meeting"),
    "other": ("Khác", "Other"),
}
_SERVICES = {
    "counselling": ("Tư vấn", "Counselling"),
    "legal_aid": ("Trợ giúp pháp lý", "Legal aid"),
    "health_check": ("Khám sức khỏe", "Health check"),
    "enrollment": ("Tham gia BHYT mới", "New enrolment"),
    "renewal": ("Gia hạn thẻ BHYT", "Renewal"),
}
_GROUPS = {
    "served": ("Được phục vụ", "Served"),
    "counselled": ("Được tư vấn, TGPL", "Counselled"),
    "examined": ("Được khám", "Examined"),
    "enrolled": ("Tham gia, gia hạn BHYT", "Enrolled or renewed"),
}
_SEXES = {"female": ("Nữ", "Women"), "male": ("Nam", "Men")}
_HOUSEHOLDS = {"poor": ("Hộ nghèo", "Poor"), "near_poor": ("Hộ cận nghèo", "Near-poor"), "other": ("Hộ khác", "Other")}
_TABLES = {
    "events": ("bảng hoạt động", "events"),
    "services": ("bảng dịch vụ theo người", "services"),
    "coverage": ("bảng bao phủ", "coverage"),
    "budget": ("bảng ngân sách", "budget"),
}
VOCABULARIES = {"activity": _ACTIVITIES, "service": _SERVICES, "group": _GROUPS, "sex": _SEXES,
                "household": _HOUSEHOLDS, "table": _TABLES}


def t(key: str, lang: str, **values) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Raises KeyError naming the key when it is unknown (a typo must not print a blank).
    """
    check_lang(lang)
    try:
        text = TEXT[key][lang]
    except KeyError:
        raise KeyError(f"no text {key!r} in helpers.i18n.TEXT") from None
    return text.format(**values) if values or "{" in text else text


def _word(vocabulary: str, code, lang: str) -> str:
    check_lang(lang)
    words = VOCABULARIES[vocabulary].get(str(code))
    if words is None:
        return str(code)  # a value outside the contract's vocabulary is shown as typed
    return words[0] if lang == "vi" else words[1]


def activity_label(code: str, lang: str) -> str:
    """The label of a code in ``lang``.

    >>> activity_label("health_check", "vi")
    'Khám sức khỏe'
    """
    return _word("activity", code, lang)


def service_label(code: str, lang: str) -> str:
    """The label of a code in ``lang``.

    >>> service_label("legal_aid", "en")
    'Legal aid'
    """
    return _word("service", code, lang)


def group_label(code: str, lang: str) -> str:
    """The label of a code in ``lang``.

    >>> group_label("examined", "vi")
    'Được khám'
    """
    return _word("group", code, lang)


def sex_label(code: str, lang: str) -> str:
    return _word("sex", code, lang)


def household_label(code: str, lang: str) -> str:
    return _word("household", code, lang)


def table_label(code: str, lang: str) -> str:
    return _word("table", code, lang)


# --- validation messages in plain words -------------------------------------------------------

#: (pattern of helpers.validate's English message, Vietnamese, English) — placeholders are the pattern's groups.
_PROBLEMS = (
    (r"(?P<date>\S+) is outside the project period \((?P<start>[^–]+)–(?P<end>[^)]+)\)",
     "ngày {date} nằm ngoài thời gian dự án ({start} – {end})",
     "the date {date} is outside the project period ({start} – {end})"),
    (r"'(?P<shown>.+)' is above 1, read as a percent \((?P<percent>[^=]+) = (?P<fraction>[^)]+)\); .*",
     "giá trị “{shown}” lớn hơn 1 nên được hiểu là phần trăm ({percent} = {fraction}); nên ghi rõ {percent} "
     "hoặc {fraction}",
     "“{shown}” is above 1, so it was read as a percent ({percent} = {fraction}); write {percent} or "
     "{fraction} to be explicit"),
    (r"'(?P<value>.+)' has a time of day; only the date is kept",
     "“{value}” có cả giờ; chỉ giữ lại ngày", "“{value}” has a time of day; only the date was kept"),
    (r"is more than the population", "số người có thẻ BHYT lớn hơn dân số",
     "more people are insured than live there"),
    (r"is more than planned", "số giải ngân lớn hơn dự toán", "more was disbursed than planned"),
    (r"has a header but no rows: the (?P<table>\w+) table is treated as absent",
     "có tiêu đề nhưng không có dòng nào: coi như không có {table_vi}",
     "has a header but no rows: treated as no {table} table"),
    (r"sheet '(?P<sheet>.+)' is not a table of the contract and is ignored",
     "trang tính “{sheet}” không phải bảng của gói dữ liệu nên được bỏ qua",
     "the sheet “{sheet}” is not a table of the data package and was ignored"),
    (r"has values but no header; it is ignored", "cột có giá trị nhưng không có tiêu đề nên được bỏ qua",
     "a column has values but no header, and was ignored"),
    (r"is not a column of this table and is ignored", "không phải cột của bảng này nên được bỏ qua",
     "is not a column of this table, and was ignored"),
    (r"has no '(?P<language>\w+)' text; reports in that language show the other one",
     "không có nội dung bằng ngôn ngữ “{language}”; báo cáo bằng ngôn ngữ đó dùng ngôn ngữ còn lại",
     "has no “{language}” text; reports in that language show the other one"),
)
_MORE_ROWS = re.compile(r"^(?P<message>.*) \(and so do (?P<n>\d+) more rows after this one\)$")


def describe_problem(problem, lang: str) -> str:
    """A validation problem (a :class:`helpers.errors.Problem`) as a sentence in ``lang``.

    Known messages are translated; an unknown one is said in general terms in
    Vietnamese (never in English), and as written in English.

    Examples
    --------
    >>> from helpers.errors import Problem
    >>> p = Problem("events.csv", 12, "date", "03/10/2020 is outside the project period (01/11/2020–30/11/2020)",
    ...             "warning")
    >>> describe_problem(p, "vi")
    'Tệp events.csv, dòng 12, cột “date”: ngày 03/10/2020 nằm ngoài thời gian dự án (01/11/2020 – 30/11/2020).'
    """
    check_lang(lang)
    message = problem.message
    more = None
    matched = _MORE_ROWS.match(message)
    if matched:
        message, more = matched["message"], matched["n"]
    text = None
    for pattern, vi, en in _PROBLEMS:
        found = re.fullmatch(pattern, message)
        if found:
            groups = found.groupdict()
            if "table" in groups:
                groups["table_vi"] = table_label(groups["table"], "vi")
            text = (vi if lang == "vi" else en).format(**groups)
            break
    if text is None:
        text = "có giá trị cần kiểm tra lại" if lang == "vi" else message
    if problem.file == "project.yml":
        where = (f"Tệp project.yml, mục “{problem.column}”" if lang == "vi"
                 else f"project.yml, key “{problem.column}”") if problem.column else "project.yml"
    else:
        parts = [f"Tệp {problem.file}" if lang == "vi" else f"File {problem.file}"]
        if problem.row:
            parts.append(f"dòng {problem.row}" if lang == "vi" else f"row {problem.row}")
        if problem.column:
            parts.append(f"cột “{problem.column}”" if lang == "vi" else f"column “{problem.column}”")
        where = ", ".join(parts)
    if more:
        text += (f" (và {more} dòng tiếp theo cũng vậy)" if lang == "vi"
                 else f" (and so do {more} more rows after this one)")
    if lang == "en" and problem.hint:
        text += f" ({problem.hint})"
    return f"{where}: {text}."
