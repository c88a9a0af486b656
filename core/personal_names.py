"""Common personal names in the UK, lower case: a client reference made of one of these is refused as looking like
a name. Drawn from the most frequent first names of people of all ages in England and Wales and the most frequent
surnames; words that are also everyday English ("will", "may", "rose") are left out, as references seldom hold
them and free text is not checked against this list."""
from __future__ import annotations

FIRST_NAMES = frozenset("""
aaron abdul abigail adam adrian ahmed aidan aisha alan albert alex alexander alfie ali alice alison amanda amber amelia
amir amy andrea andrew angela ann anna anne annie anthony antony archie arthur ashley austin ava barbara barry becky
ben benjamin bernard beth bethany betty beverley bill billy brandon brenda brian bridget callum calum cameron carl
carly carol caroline carolyn catherine charles charlie charlotte chelsea cheryl chloe chris christian christina
christine christopher claire clare colin connor craig daisy damian daniel danielle danny darren dave david dawn dean
debbie deborah declan denise dennis derek diana diane donald donna dorothy douglas dylan edward eileen elaine eleanor
elizabeth ella ellie emily emma eric erin ethan evelyn evie faye fiona frances francesca frank freddie frederick freya
gail gareth garry gary gemma geoffrey george georgia gerald gillian glen glenn gordon graham grace hannah harriet
harrison harry harvey hassan hayley heather helen henry holly hugh hussain ian imran isaac isabel isabella isabelle
isla ivy jack jackie jacob jacqueline jade jake james jamie jan jane janet janice jasmine jason jay jayden jean jeff
jeffrey jemma jenna jennifer jenny jeremy jessica jill jim jimmy joan joanna joanne jodie joe joel john johnny jon
jonathan jordan joseph josephine josh joshua joyce judith julia julian julie justin karen kate katherine kathleen
kathryn katie kayleigh keith kelly kenneth kerry kevin kieran kim kirsty kyle laura lauren layla leah lee leo leon
leonard lesley leslie lewis liam lilly lily linda lindsay lisa logan lois louis louise lucas lucy luke lydia lynn
lynne madison maisie malcolm mandy margaret maria marie marion martin mary mason matilda matthew maureen max megan
melanie melissa michael michaela michelle mike mohamed mohammad mohammed molly muhammad natalie natasha nathan neil
nicholas nicola nicole niamh nigel noah norman oliver olivia omar oscar owen paige pamela patricia patrick paul paula
pauline peter philip phillip phoebe poppy rachel rebecca reece rhys richard ricky rita robert robin ronald rosie ross
roy ruby russell ruth ryan sally samantha samuel sandra sara sarah scarlett scott sean sharon shaun sheila shirley
simon sofia sonia sophia sophie stacey stanley stella stephanie stephen steve steven stuart susan suzanne sylvia
tanya teresa terence terry theo theodore thomas tina toby tom tommy tony tracey tracy trevor tyler valerie vanessa
victoria vincent wayne wendy william yasmin yusuf zac zach zachary zara zoe
""".split())

SURNAMES = frozenset("""
adams ahmed ali allen anderson armstrong atkinson bailey baker barker barnes bell bennett brown burns butler campbell
carter chapman clark clarke collins cook cooper cox davies davis dawson dixon edwards ellis evans fisher foster fox
gibson graham gray green griffiths hall harris harrison harvey hill holmes hughes hunt hussain jackson james jenkins
johnson johnston jones kelly kennedy khan king knight lee lewis lloyd marshall martin mason matthews miller mitchell
moore morgan morris murphy murray owen palmer parker patel pearson phillips powell price richards richardson roberts
robertson robinson rogers ross russell scott shaw simpson singh smith stevens stewart taylor thomas thompson thomson
turner walker walsh ward watson webb wells white wilkinson williams wilson wood wright young
""".split())
