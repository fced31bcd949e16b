"""The engine's keyword patterns. They run on the lower-cased match text (no IGNORECASE: it is ten times
slower on Vietnamese in Python's ``re``); patterns that need capitals say so."""

from __future__ import annotations

import re

_DOC_WORDS = r"chỉ thị|nghị quyết|kết luận|kế hoạch|quy định|chương trình|hướng dẫn|thông báo|quyết định|đề án|thông tri"

# a briefing word: disseminated, deployed, studied, reviewed, relayed
TRIGGER = re.compile(
    r"(?:quán triệt|triển khai|học tập|nghiên cứu|sinh hoạt chính trị|sinh hoạt tư tưởng|sinh hoạt chuyên đề|"
    r"sơ kết|tổng kết|tiếp cầu|tiếp sóng|phổ biến|thông tin chuyên đề|chủ trì(?: hội nghị)?(?: tại)? điểm cầu)"
)
# a speaker from another body at the meeting: "Báo cáo viên của Thành ủy", "đại diện Ban Tuyên giáo"
SPEAKER_BEFORE = re.compile(r"(?:báo cáo viên|đại diện|lãnh đạo|giảng viên)(?:\s+của)?\s+(?:\w+\s+){0,3}$")
# "held" cues before a briefing word
HELD = re.compile(r"(?:tổ chức|tiến hành|khai mạc|chủ trì|diễn ra|hội nghị|lớp|buổi|đã|đợt)(?!\w)")
# a meeting held, with no briefing word yet ("Đảng ủy phường Bồ Đề tổ chức hội nghị cho 680 đảng viên")
HELD_ONLY = re.compile(r"(?:đã\s+)?tổ chức\s+(?:hội nghị|lớp|buổi|học tập|quán triệt)(?!\w)")
# plan, instruction, purpose, issuance cues: what follows was not (yet) held
NEG = re.compile(
    r"(?<!\w)(?<!ban )(?:sẽ|cần|phải|đề nghị|yêu cầu|chỉ đạo|hướng dẫn|dự kiến|chuẩn bị|tiếp tục|nhằm|để|"
    r"xây dựng kế hoạch|đôn đốc|chưa|kêu gọi|giao|đề ra|lên kế hoạch|có trách nhiệm|bảo đảm|đảm bảo|quyết tâm|"
    r"phấn đấu|mong muốn|kiến nghị|chủ động|định hướng|theo kế hoạch|hoàn thành|dự định|sau đợt|sau khi|trước khi|"
    r"sau hội nghị|dự thảo|cho ý kiến)(?!\w)"
)
# the strong ones: after a "held" cue they still turn it into a plan ("đã ban hành kế hoạch, dự kiến tổ chức ...")
MODAL = re.compile(
    r"(?<!\w)(?<!ban )(?:sẽ|cần|phải|đề nghị|yêu cầu|chỉ đạo|hướng dẫn|dự kiến|chuẩn bị|xây dựng kế hoạch|đôn đốc|chưa|kêu gọi|"
    r"giao|đề ra|lên kế hoạch|có trách nhiệm|quyết tâm|phấn đấu|mong muốn|kiến nghị|theo kế hoạch|dự định|sau đợt|"
    r"sau khi|trước khi|sau hội nghị|dự thảo|cho ý kiến)(?!\w)"
)
FUTURE = re.compile(r"(?<!\w)(?:sẽ|dự kiến|chưa|dự định|vào tháng tới|thời gian tới)(?!\w)")
CONT_START = re.compile(
    r"^\W*(?:tại hội nghị|cũng tại hội nghị|tại buổi|hội nghị|tiếp đó|sau đó|tiếp theo|trong chương trình|"
    r"các đại biểu|các đồng chí|cán bộ|đảng viên|các đảng viên|buổi|đại biểu|qua đó|trong buổi|ngay sau|"
    r"phát biểu|kết luận hội nghị|tham dự|dự hội nghị|dự và|các nội dung|những nội dung|nội dung|các văn bản|"
    r"văn bản|cụ thể|gồm|bao gồm|đó là|tại đây|ở đây|theo đó)"
)
# a sentence that goes on listing what the open meeting briefed: "Cụ thể: ...", "- Nghị quyết số 18-NQ/TW ..."
LIST_ITEM = re.compile(
    rf"\W*(?:cụ thể|gồm|bao gồm|đó là|(?:\d+\s+năm\s+thực hiện\s+)?(?:{_DOC_WORDS})\s+(?:số\s*)?\d)"
)
CONT_VERB = re.compile(
    r"(?:quán triệt|triển khai|truyền đạt|được nghe|đã nghe|nghe|giới thiệu|trình bày|phổ biến|học tập|nghiên cứu|"
    r"nắm bắt|tiếp thu|báo cáo(?= (?:chuyên đề|tình hình|nội dung|những nội dung|về))|"
    r"thông tin|sơ kết|tổng kết|thông qua)"
)
ISSUANCE = re.compile(r"(?:ban hành|đã ký|ký ban hành|vừa ký)")
BASIS_START = re.compile(
    r"^\W*(?:thực hiện|căn cứ|theo|cũng theo|triển khai|quán triệt|để|nhằm|trên cơ sở|thực hiện sự chỉ đạo|"
    r"được sự đồng ý|với mục đích)[^,;:]*,"
)
PLACE = re.compile(r"(?<!\w)(?:tại|ở)\s[^,;:]*")
# a plural, unnamed subject: "các xã, phường", "nhiều đảng bộ", "100% chi bộ"
GENERIC = re.compile(
    r"(?<!\w)(?:các|nhiều|những|100%|toàn bộ|tất cả)\s+(?:đảng bộ|đảng ủy|chi bộ|chi, đảng bộ|cấp ủy|xã|phường|quận|"
    r"huyện|thị xã|thị trấn|địa phương|đơn vị|cơ quan|tổ chức cơ sở)"
)
# capitals matter here (run on the match text)
COORD_GAP = re.compile(
    r"^\s*(?:,|\(|và|cùng|cùng với|phối hợp với|phối hợp cùng|, và)?\s*"
    r"(?:(?:Đảng ủy|Đảng bộ|Ban Thường vụ|Ban thường vụ|Ban Chấp hành|Ban chấp hành|UBND|Ủy ban nhân dân|"
    r"Ban Tuyên giáo|Trung tâm Chính trị|Thường trực|Chi bộ|MTTQ)\s*)*$"
)
# the gap between a numbered document and one it implements, in its subject ("Kết luận 65-KL/TW về tiếp tục
# thực hiện Nghị quyết 24-NQ/TW"); run on lower-cased text
EMBED_GAP = re.compile(
    r"^(?:\s*,?\s*ngày\s+[\d/.\-]+)?(?:\s*,?\s*(?:của|do)\s[^,;.]{0,80}?)?\s*,?\s*(?:về\s+)?(?:việc\s+)?[“\"]?"
    r"(?:(?:tiếp tục|đẩy mạnh|tăng cường)\s+)?(?:(?:sơ kết|tổng kết)\s+(?:\d+\s+năm\s+)?(?=thực hiện))?"
    r"(?:thực hiện|triển khai thực hiện|triển khai|thi hành|sơ kết|tổng kết)"
    r"(?:\s+(?:việc|có hiệu quả|hiệu quả|tốt))?\s+"
    rf"(?:(?:{_DOC_WORDS})\s+)?(?:số\s+)?$"
)
# a longer subject ending in "thực hiện <document>" (no briefing word, no clause break in between)
EMBED_TAIL = re.compile(rf"(?:thực hiện|triển khai thực hiện)\s+(?:(?:{_DOC_WORDS})\s+)?(?:số\s+)?$")
EMBED_BREAK = re.compile(
    r"\n|[;.]\s|truyền đạt|gắn với|đồng thời|(?:và|,)\s+\d+\s+năm\s|"
    + TRIGGER.pattern
    + r"|(?<!\w)và\s+(?:"
    + _DOC_WORDS
    + r")"
)
# an unnumbered reference to the article's document(s): "quán triệt Chỉ thị", "hai Nghị quyết", "Chỉ thị trên"
BARE_DOC = re.compile(
    rf"(?<!\w)(?:(hai|ba|bốn|2|3|4|các|những|cả hai)\s+)?({_DOC_WORDS})(?!\s+(?:số\s+)?\d)"
    r"(?!\s+(?:của|về|đại hội|trung ương|hội nghị|lần|khóa|tw|t\.ư|tư|hntw|ban chấp hành|bch))"
)
_PERSONS = (
    r"(?:đồng chí|đảng viên|cán bộ|đại biểu|người|hội viên|học viên|đoàn viên|công chức|cb,?\s*đv|"
    r"cán bộ,\s*đảng viên|cán bộ, công chức)"
)
# attendance: a number followed by people ("cho 440 đảng viên", "hơn 26 nghìn cán bộ"); one fast scan (it starts
# with a digit), then the words before and after decide what kind of figure it is
NUM_PERSONS = re.compile(r"(\d[\d.,]*)\s*(nghìn|ngàn|vạn)?\s+(?:" + _PERSONS[3:-1] + r"|(lượt))")
ATT_TOTAL_BEFORE = re.compile(
    r"(?:tổng số|tổng cộng|tổng|tất cả)[^.;]{0,80}?\s(?:(?:hơn|trên|gần|khoảng)\s+)?$"
)
ATT_PREP_BEFORE = re.compile(
    r"(?:cho|với|có|gồm|thu hút|của|tới|đến)\s+(?:(?:sự tham dự|sự tham gia)\s+của\s+)?(?:(?:tổng số|tổng cộng)\s+)?"
    r"(?:(?:hơn|trên|gần|khoảng|xấp xỉ|hàng|gần\s+như)\s+)?$"
)
ATT_PRESENT_AFTER = re.compile(r"[^.;]{0,80}?(?:tham dự|tham gia|dự hội nghị|dự)")
QUALIFIER = re.compile(r"(?:hơn|trên|gần|khoảng|xấp xỉ|hàng)\s+$")
KINDS = [
    (re.compile(r"sơ kết|đánh giá \d+ năm"), "so_ket"),
    (re.compile(r"tổng kết"), "tong_ket"),
    (re.compile(r"sinh hoạt chính trị|sinh hoạt tư tưởng|sinh hoạt chuyên đề"), "sinh_hoat"),
    (re.compile(r"quán triệt|truyền đạt|học tập|nghiên cứu"), "quan_triet"),
    (re.compile(r"triển khai"), "trien_khai"),
]
RELAY = re.compile(r"tiếp cầu|tiếp sóng|điểm cầu|đầu cầu")
BCD = re.compile(rf"ban chỉ đạo(?:\s+thực hiện)?\s+(?:(?:{_DOC_WORDS})\s+)?(?:số\s+)?$")
# a working visit reviewing a document at a unit: "làm việc với Đảng ủy xã Minh Trí về kết quả thực hiện ..."
VISIT = re.compile(
    r"(?:làm việc với|làm việc tại|kiểm tra(?: việc| kết quả)?(?: thực hiện)?.{0,80}?tại|giám sát.{0,80}?tại)"
)
VISIT_TOPIC = re.compile(r"(?:kết quả|việc|tình hình)?\s*(?:thực hiện|triển khai)")
SAME_DAY = re.compile(r"cùng ngày|cũng trong (?:sáng|chiều|ngày)")
DEADLINE_BEFORE = re.compile(r"(?:đến|trước|chậm nhất|hạn|trong)\s+(?:ngày\s+)?$")
DIGIT = re.compile(r"\d")
# an undated look back over a period, not a report of one meeting ("Thời gian qua, Đảng ủy ... đã tổ chức quán triệt")
RETRO = re.compile(
    r"(?<!\w)(?:thời gian qua|thời gian vừa qua|thời gian gần đây|từ đầu năm|những năm qua|nhiều năm qua|"
    r"qua \d+ năm|những năm gần đây|trong năm qua|đến nay|từ năm|trong nhiệm kỳ|hằng năm|hàng năm|thường xuyên|"
    r"trước đó|bằng nhiều hình thức|bằng các hình thức|dưới nhiều hình thức|kịp thời, nghiêm túc|thời gian tới)(?!\w)"
)
MEMBERSHIP = re.compile(r"(?:chi bộ|tổ chức cơ sở đảng|hiện có|tổng số)\s+(?:\w+\s+){0,2}(?:với|có|gồm)?\s*$")
BASIS_BEFORE = re.compile(rf"(?:^|[,;:(]\s*)(?:theo|căn cứ|căn cứ vào)\s+(?:(?:{_DOC_WORDS})\s+)?(?:số\s*)?$")

# ---- the event reader's cues (events.py)

# the purpose of the meeting being reported ("Hội nghị được tổ chức nhằm quán triệt ..."): what it briefed
PURPOSE = re.compile(
    r"^\W*(?:hội nghị|buổi \w+|lớp \w+)(?: \w+){0,3} (?:được tổ chức |diễn ra )?(?:nhằm|để) $"
)

# "các văn bản mới ban hành", "Chỉ thị vừa được ban hành": an attribute of what is briefed, not an issuance
ISSUED_ADJ = re.compile(r"(?:mới|vừa|được|đã được|vừa được)\s+$")

# "Tham luận ... gắn với thực hiện Nghị quyết 57": speeches on a topic, not a document briefed
TALKS = re.compile(r"(?:tham luận|ý kiến|thảo luận|phát biểu)")

LOCAL_CODE = re.compile(r"/(?:QU|HU|ĐU|THU|ĐUK|ĐUCA|CB)\b|/(?:KH|QĐ|TB)-(?:UBND|BND)")

# "nhằm tiếp tục triển khai thực hiện Nghị quyết 22": the purpose is to carry a document out, not to brief it
GOING_ON = re.compile(r"(?:triển khai thực hiện|thực hiện|tiếp tục)")

PERSON_FIRST = re.compile(
    r"\W*(?:đồng chí|đ/c|ông|bà|thượng tá|đại tá|thiếu tướng|trung tướng|tiến sĩ|ts\.?)\s"
)

# "Theo đó, các báo cáo viên sẽ báo cáo ... về Nghị quyết số 56-NQ/TW; ...": the programme of the meeting just
# reported, told in the future of its opening; what it lists was briefed there
PROGRAMME = re.compile(
    r"\W*theo đó,\s+(?:[^\s,;.]+\s+){0,8}sẽ\s+(?:báo cáo|quán triệt|truyền đạt|giới thiệu|trình bày)"
)

# a conference passed on by the site that received it, told in the passive
PASSIVE_RELAY = re.compile(
    r"(?:hội nghị|chương trình)(?: cũng)? được (?:truyền|tiếp sóng|tiếp phát|phát)(?: hình)?(?: trực tuyến| trực tiếp)?"
    r" (?:tới|đến|cho)"
)

SITE_AT = re.compile(r"(?:tại|ở) điểm cầu\s+")

TITLE_PLACE = re.compile(r"([A-ZĐ][\w]*(?: [A-ZĐ][\w]*){0,3})\s*:\s")

MEETING_TOLD = re.compile(r"tại hội nghị|hội nghị đã|hội nghị được|tại buổi|buổi học tập|tham dự hội nghị")

BULLET = re.compile(r"\W*(?:[-+•*]|cụ thể|gồm|bao gồm|đó là)")

# a text that starts inside the report of a review: "Cụ thể: Tổng kết 20 năm thực hiện Chỉ thị số ...; 10 năm ..."
HEADLESS = re.compile(r"\W*(?:cụ thể\s*:\s*)?(sơ kết|tổng kết)\s+\d+\s+năm\s+(?:triển khai\s+)?thực hiện\s")

YEARS_ITEM = re.compile(r"\W*\d+\s+năm\s+(?:triển khai\s+)?thực hiện\s")
