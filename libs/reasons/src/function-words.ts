/**
 * Function words: pronouns, articles, prepositions and postpositions, conjunctions, copulas and
 * auxiliaries, negations, intensifiers and fillers ("my", "very", "no longer", "очень", "ძალიან",
 * "çok", "جدا", "nicht mehr"). They carry grammar, not a reason, so the matcher gives them little
 * weight: "Versicherung zahlt nicht mehr" shares "nicht mehr" with "Nicht mehr nötig" and nothing
 * that matters. Negations (NEGATIONS, also listed here) weigh more than other function words and
 * less than content: "no time" and "no parking" differ by their nouns, but "no time" is not "time".
 *
 * General lists of common words, one per language, not drawn from any reply set. A language that
 * is not listed still matches: its function words are then told apart only by the reason book
 * (a word used by many reasons weighs little) and by length. Written as typed; the matcher folds
 * them as it folds replies.
 */
export const FUNCTION_WORDS: Readonly<Record<string, string>> = {
  en: `i me my mine myself we us our you your yours he him his she her it its they them their this that these those
    the a an and or but so if then than because as of to in on at for with from by about into over after before
    is are was were be been being am do does did done have has had having will would shall should can could may might must
    don doesn didn isn aren wasn weren haven hasn hadn won wouldn can cant couldn shouldn t s m d ll re ve
    not no nor never none nothing any anymore longer just really very too so much more most quite rather still again also even
    now lately then there here all some every got get getting gets thanks thank please ok okay well sorry yes
    sir madam hi hello dear`,
  ru: `я мы ты вы он она оно они меня мне мной нас нам нами тебя тебе вас вам вами его ему им ими её ее ей их
    мой моя моё мое мои моего моей наш наша наше наши твой ваш ваша ваше ваши свой своя своё свои
    и а но или либо что чтобы как так это этот эта эти тот та те то тут там здесь где когда потому поэтому если
    в во на с со к ко по о об от до из за для при про под над без у через после перед между
    не ни нет нету больше уже ещё еще очень слишком совсем просто вообще даже только тоже также всё все всего весь вся
    был была было были быть есть будет буду бы ли же ведь вот вон сейчас теперь потом раз
    спасибо пожалуйста здравствуйте извините да ну`,
  uk: `я ми ти ви він вона воно вони мене мені нас нам вас вам його йому їх її мій моя моє мої наш ваш
    і й та а але або що щоб як так це цей ця ці той там тут де коли бо тому якщо
    в у на з із зі до від за для по про під над без після перед
    не ні немає більше вже ще дуже занадто зовсім просто навіть тільки теж також все всі
    був була було були бути є буде б би же ось зараз тепер потім дякую будь ласка так`,
  ka: `მე ჩვენ შენ თქვენ ის ისინი ეს ეგ ის იმ ამ მას მათ მისი მათი ჩემი ჩემმა ჩემს ჩემო შენი თქვენი ჩვენი
    და ან მაგრამ რომ თუ როცა როდესაც რადგან ამიტომ როგორც ასე ისე მერე შემდეგ
    არ ვერ ნუ აღარ ვეღარ ნურც ნურაფერი არაფერი არც კი ხომ
    ვარ ხარ არის არ არიან ვართ ხართ იყო ვიყავი ვიყავით იყვნენ იქნება მაქვს გაქვს აქვს გვაქვს გაქვთ
    ძალიან ზედმეტად ცოტა უფრო მეტი მეტად ყველა ყველაფერი უკვე კიდევ ჯერ მაინც ახლა სულ მხოლოდ
    გამო მიერ შესახებ შემდეგ წინ თან მერე აქ იქ
    მადლობა გთხოვთ გამარჯობა კარგი დიახ კი ჰო`,
  hy: `ես մենք դու դուք նա նրանք ինձ ինձնից մեզ քեզ ձեզ նրան նրանց իմ մեր քո ձեր նրա իր իրենց
    և եւ ու բայց կամ որ եթե երբ քանի որովհետև ուստի ինչպես այսպես այդպես հետո
    այս այդ այն սա դա նույն
    եմ ես է ենք եք են էի էիր էր էինք էիք էին լինել կլինի
    չեմ չես չի չենք չեք չեն չէ չէի չէր ոչ ոչինչ չկա չունեմ չունենք չունի
    շատ չափազանց ավելի քիչ արդեն դեռ այլևս այլեւս հիմա միայն էլ նաև նաեւ բոլոր ամեն ամբողջ
    մոտ հետ համար վրա մեջ պատճառով մասին առանց
    շնորհակալություն խնդրում բարև այո լավ`,
  tr: `ben biz sen siz o onlar beni bana benim bizim senin sizin onun onların bu şu bunu şunu bunlar
    ve ile veya ya ama fakat ancak çünkü için gibi kadar diye eğer ki de da mi mı mu mü
    bir birkaç her hiç hep tüm bütün
    değil yok var olmuyor olmaz
    çok daha en biraz artık hala hâlâ zaten şimdi sonra önce yine bile sadece de
    orada burada şurada
    teşekkürler teşekkür lütfen merhaba evet tamam`,
  ar: `انا أنا نحن انت أنت انتم أنتم هو هي هم هن هذا هذه ذلك تلك هؤلاء الذي التي الذين
    في من إلى الى على عن مع عند لدي لدى لي لك له لها لنا عندي عندنا عندكم عندك بين بعد قبل حتى منذ خلال
    و او أو ثم لكن بل ان إن أن اذا إذا لأن لان كي
    لا لم لن ليس ما مش مو مافي غير
    كان كانت كنت كنا يكون تكون صار قد لقد
    جدا جداً كثيرا كثير اكثر أكثر قليلا كل بعض أي الآن الان بس فقط يعني أيضا ايضا كمان خلاص هنا هناك
    شكرا شكراً من_فضلك السلام مرحبا نعم`,
  fa: `من ما تو شما او آنها این آن ها را و یا اما که اگر چون برای با از به در بر تا هم نه نیست است هست بود بودم هستم
    خیلی بیشتر دیگر الان فقط همه مرسی لطفا`,
  es: `yo tú tu usted él ella nosotros nosotras vosotros ellos ellas ustedes me te se nos os le les lo la los las
    mi mis tu tus su sus nuestro nuestra vuestro
    el un una unos unas y e o u pero sino que porque como si cuando donde
    de del a al en con por para sin sobre entre desde hasta tras
    es son era eran fue fueron ser soy somos estoy está esta estaba estuve estamos están he ha han había hay tengo tiene tenía
    no ni nunca nada ya ahora muy mucho mucha muchos muchas demasiado demasiada más menos tan tanto todo toda todos siempre también solo sólo aún todavía
    ahí aquí allí allá gracias favor hola sí bueno pues`,
  pt: `eu nós você vocês ele ela eles elas me te se nos lhe o a os as um uma uns umas meu minha meus minhas seu sua
    e ou mas que porque como se quando onde de do da dos das em no na nos nas com por para sem sobre entre até
    é são era foi ser sou estou está estava estive tenho tem tinha há
    não nem nunca nada já agora muito muita muitos demais mais menos tão tudo todos sempre também só ainda
    aí aqui ali obrigado obrigada favor olá sim bem`,
  fr: `je j me m moi nous tu te t toi vous il elle on ils elles le la l les lui leur leurs un une des du de d
    mon ma mes ton ta tes son sa ses notre votre nos vos
    et ou mais que qu qui car comme si quand où à au aux en dans sur sous avec pour par sans chez entre
    est sont était suis être ai a avons avez ont avait été fait
    ne n pas plus jamais rien déjà maintenant très trop beaucoup tout tous toute toujours aussi seulement encore
    ici là merci svp bonjour oui bien`,
  it: `io noi tu voi lui lei loro mi ti si ci vi gli le lo la il i un una uno mio mia miei mie suo sua
    e o ma che perché come se quando dove di del della dei a al alla in nel nella con per da dal su tra fra senza
    è sono era ero fui essere sto sta ho ha hanno avevo
    non né mai niente già ora adesso molto troppo più meno tutto tutti sempre anche solo ancora
    qui lì là grazie favore ciao sì bene`,
  de: `ich du er sie es wir ihr mich mir dich dir uns euch ihn ihm ihnen
    mein meine meinen meinem meiner dein deine sein seine unser euer
    der die das den dem des ein eine einen einem einer
    und oder aber denn weil dass wenn als wie ob sondern
    zu zum zur in im ins an am auf aus mit von vom bei für nach über unter vor seit ohne durch gegen
    ist sind war waren bin bist sein gewesen hat habe haben hatte hatten wird werden wurde kann könnte muss musste
    nicht kein keine keinen nie nichts mehr sehr viel zu so jetzt noch schon immer auch nur ganz mal da hier dort
    bitte danke hallo ja gut leider`,
  zh: `了 的 地 得 我 你 您 他 她 它 们 是 在 很 太 吧 啊 呢 吗 嘛 也 都 就 还 和 与 跟 有 没 不 再 别 这 那 个 就是 所以 因为 但是 可是 已经 现在 谢谢`,
  ja: `は が を に で と の も へ や から まで より です ます でした ました ない ません た て だ な ね よ か し 私 僕 あなた これ それ あれ この その とても もう まだ`,
};

/** Negations, which weigh more than other function words (see above). */
export const NEGATIONS: Readonly<Record<string, string>> = {
  en: `no not never none nothing nor don doesn didn isn aren wasn weren haven hasn hadn won wouldn cant couldn shouldn t`,
  ru: `не ни нет нету без`,
  uk: `не ні немає без`,
  ka: `არ ვერ ნუ აღარ ვეღარ არც არაფერი`,
  hy: `չեմ չես չի չենք չեք չեն չէ չէի չէր ոչ ոչինչ չկա չունեմ չունենք չունի առանց`,
  tr: `değil yok hiç olmaz olmuyor`,
  ar: `لا لم لن ليس ما مش مو مافي غير`,
  fa: `نه نیست`,
  es: `no ni nunca nada sin`,
  pt: `não nem nunca nada sem`,
  fr: `ne n pas jamais rien sans`,
  it: `non né mai niente senza`,
  de: `nicht kein keine keinen nie nichts ohne`,
  zh: `不 没 别 无`,
  ja: `ない ません`,
};
