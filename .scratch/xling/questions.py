"""English questions over the three Korean articles: (article, question, evidence substrings or None)."""
KT = "shipped"
BP = "battery_plant.txt"
CF = "city_festival.txt"
CTO = ["국가 최고기술경영자(CTO)로 위촉됐다", "'최고기술경영자(CTO)'로 위촉돼", "몽골 CTO로 위촉"]
Q = [
 # --- KT / Mongolia (bundled) : answerable
 (KT, "What position was KT's CEO Koo Hyun-mo appointed to by Mongolia?", CTO),
 (KT, "What share of Mongolians use the T-Card?", ["몽골 국민 약 70%가 사용하는"]),
 (KT, "Where was the KT-Mongolia strategic cooperation ceremony held?", ["몽골 수도 울란바토르에서"]),
 (KT, "How many Mongolians visit Korea each year?", ["연 10만여명의 몽골인들이"]),
 (KT, "What percentage of the world's rare earth reserves does Mongolia hold?", ["세계 매장량 16% 보유"]),
 (KT, "Where does Mongolia rank in world copper reserves?", ["구리(2위)"]),
 (KT, "How many kinds of minerals does Mongolia have?", ["80여종의 광물을", "80여종 광물자원 공급"]),
 (KT, "Who is the governor of the Central Bank of Mongolia?", ["락바수랭 뱌드란 총재"]),
 (KT, "Which company does Choi Won-seok run?", ["BC카드 최원석 사장"]),
 (KT, "Which medical foundation joined the MOU to build a health checkup center?", ["하나로의료재단 사업전략본부장"]),
 (KT, "In what year did the Mongolian government announce its New Recovery Policy?", ["지난 2021년"]),
 (KT, "In which industries are rare earths used?", ["신재생에너지, 전기제품, 자동차 부품"]),
 (KT, "Which Mongolian ministry signed an MOU with Kim Chul-yeon of KT Studio Genie?", ["몽골 자연환경관광부"]),
 (KT, "Which minister signed the digital transformation agreement with Moon Sung-wook?", ["오츠랄 니암오소르 장관"]),
 (KT, "What is Lim Seung-hyuk's job at KT?", ["임승혁 KT 디지털&바이오헬스사업단장"]),
 (KT, "Who attended the event together with Prime Minister Oyun-Erdene?", ["어용에르덴 롭산남스랴 총리"]),
 (KT, "What will the Mongolian government supply to Korea in return?", ["이에 대한 보답으로", "80여종 광물자원 공급"]),
 (KT, "Who wrote this article?", ["최정우 기자"]),
 # --- KT : unanswerable (article words)
 (KT, "How old is Koo Hyun-mo?", None),
 (KT, "What was KT's operating profit last year?", None),
 (KT, "What is the population of Mongolia?", None),
 (KT, "How much is the rare earth supply contract worth?", None),
 (KT, "When was Choi Won-seok appointed president of BC Card?", None),
 (KT, "How many employees does BC Card have?", None),
 (KT, "What is the annual fee of the T-Card?", None),
 (KT, "Which university did Koo Hyun-mo graduate from?", None),
 (KT, "How much gold does Mongolia export each year?", None),
 (KT, "When will the health checkup center in Mongolia open?", None),
 (KT, "How many hospitals does the Hanaro Medical Foundation run?", None),
 (KT, "What is Mongolia's GDP growth rate?", None),
 (KT, "Where was Koo Hyun-mo born?", None),
 (KT, "How long is the term of the Mongolian CTO post?", None),
 # --- battery plant : answerable
 (BP, "How much is being invested in the Georgia battery plant?", ["총투자액은 31억 달러", "4조2천억원 투입", "4조원대 전기차 배터리 공장"]),
 (BP, "What is the annual production capacity of the new plant?", ["연간 생산능력은 30기가와트시", "연산 30GWh"]),
 (BP, "Who is the chief operating officer of Northstar Motors?", ["마거릿 콜린스 노스스타모터스 최고운영책임자"]),
 (BP, "How many local workers will be hired?", ["현지 채용 인원은 약 2천500명"]),
 (BP, "How much did Hanbit invest in LoopCell?", ["루프셀(LoopCell)에 2천만 달러"]),
 (BP, "What is Lee Dong-gyu's position?", ["이동규 한빛에너지솔루션 최고구매책임자"]),
 (BP, "What share of the North American battery market does the company target by 2030?", ["점유율을 20%로 끌어올린다", "2030년 북미 점유율 20%"]),
 (BP, "What target price did analyst Kim Do-hyun keep?", ["목표주가 47만원"]),
 (BP, "Which construction company is in charge of EPC for the plant?", ["대영E&C가 맡았다"]),
 (BP, "What did Patrick Wilson say in his congratulatory speech?", ["패트릭 윌슨 장관은 축사에서"]),
 (BP, "Where will cathode materials come from?", ["양극재는 계열사 한빛머티리얼즈가"]),
 # --- battery plant : unanswerable
 (BP, "How old is Park Sung-hoon?", None),
 (BP, "What was Hanbit Energy Solution's revenue last year?", None),
 (BP, "How many employees does Northstar Motors have worldwide?", None),
 (BP, "What is the price of the Ranger EV pickup truck?", None),
 (BP, "When did Margaret Collins join Northstar Motors?", None),
 (BP, "Who is the governor of Georgia?", None),
 (BP, "Who is the CEO of LoopCell?", None),
 (BP, "How many battery plants does Panasonic run in Kansas?", None),
 (BP, "What is the dividend per share of Hanbit Energy Solution?", None),
 # --- city festival : answerable
 (CF, "When does the Gongsanseong Moonlight Festival start?", ["10월 3일부터 6일까지", "10월 3일 개막"]),
 (CF, "What is this year's festival budget?", ["축제 예산은 21억원"]),
 (CF, "How much is the admission fee for the moonlight fortress walk?", ["입장료는 5천원"]),
 (CF, "How many free shuttle bus routes will run?", ["무료 셔틀버스 5개 노선"]),
 (CF, "How many safety staff will be deployed?", ["700명이 배치된다"]),
 (CF, "What did Mayor Choi Won-chul say?", None),  # not in article: mayor is 오세진
 (CF, "What did Gongju mayor Oh Se-jin say?", ["오세진 공주시장은"]),
 (CF, "Who chairs the festival promotion committee?", ["정태윤 축제추진위원장"]),
 (CF, "How many visitors came to the festival last year?", ["47만3천여명이 다녀갔다"]),
 # --- city festival : unanswerable
 (CF, "How much does parking cost at the festival?", None),
 (CF, "Who won last year's lantern contest?", None),
 (CF, "What will the weather be on the opening day?", None),
 (CF, "How old is Park Mi-ran?", None),
 (CF, "Is there a fireworks show at the festival?", None),
 (CF, "What time does the night market close?", None),
]

import json, glob
EXT = []   # colleague's + public dev English cases: (article, question, evidence list or None)
for f in sorted(glob.glob("/work/main/eval/*.jsonl")) + ["/work/shared/eval/dev.jsonl"]:
    for line in open(f):
        c = json.loads(line)
        if c.get("lang") != "en" or len(c["turns"]) != 1: continue
        EXT.append((c.get("article", "shipped"), c["turns"][0], None if c["unanswerable"] else [c["evidence"]]))
