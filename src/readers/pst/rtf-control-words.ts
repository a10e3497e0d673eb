/**
 * The RTF control words rtf-de-encapsulate.ts must tell apart (MS-OXRTFEX 2.1.3 follows RTF 1.9.1's group rules):
 * destinations (a word right after `{` or `{\*` opens a destination group), other known words, and unknown ones
 * (after `{\*` an unknown word is an ignorable destination, RTF 1.9.1 "Destinations").
 *
 * Owned here, not imported: the table is rtf-stream-parser 3.8.1's words.js (MIT), which the package does not
 * export (it lives at dist/src/words.js, an internal path that may move in any release). Our de-encapsulator must decide exactly as that library does
 * (test/readers/rtf-de-encapsulate.test.ts compares the two on every real RTF body and on random RTF), so the
 * lists are its lists, word for word: 297 destinations and 1515 other words.
 * Update both together if RTF grows (it has not since 2008).
 */

/** Control words that open a destination (words.js kind 5). */
export const RTF_DESTINATIONS: ReadonlySet<string> = new Set((
	'aftncn aftnsep aftnsepc annotation atnauthor atndate atnicn atnid atnparent atnref atntime atrfend ' +
	'atrfstart author background bkmkend bkmkstart blipuid buptim category colorschememapping colortbl ' +
	'comment company creatim datafield datastore defchp defpap do doccomm docvar dptxbxtext ebcend ' +
	'ebcstart factoidname falt fchars ffdeftext ffentrymcr ffexitmcr ffformat ffhelptext ffl ffname ' +
	'ffstattext field file filetbl fldinst fldrslt fldtype fname fontemb fontfile fonttbl footer footerf ' +
	'footerl footerr footnote formatConverter formfield ftncn ftnsep ftnsepc g generator gridtbl header ' +
	'headerf headerl headerr hl hlfr hlinkbase hlloc hlsrc hsv htmltag info keycode keywords latentstyles ' +
	'lchars levelnumbers leveltext lfolevel linkval list listlevel listname listoverride ' +
	'listoverridetable listpicture liststylename listtable listtext lsdlockedexcept macc maccPr mailmerge ' +
	'maln malnScr manager margPr mbar mbarPr mbaseJc mbegChr mborderBox mborderBoxPr mbox mboxPr mchr ' +
	'mcount mctrlPr md mdPr mdeg mdegHide mden mdiff me mendChr meqArr meqArrPr mf mfName mfPr mfunc ' +
	'mfuncPr mgroupChr mgroupChrPr mgrow mhideBot mhideLeft mhideRight mhideTop mhtmltag mlim mlimLoc ' +
	'mlimLow mlimLowPr mlimUpp mlimUppPr mm mmPr mmaddfieldname mmath mmathPict mmathPr mmaxDist mmc ' +
	'mmcJc mmcPr mmconnectstr mmconnectstrdata mmcs mmdatasource mmheadersource mmmailsubject mmodso ' +
	'mmodsofilter mmodsofldmpdata mmodsomappedname mmodsoname mmodsorecipdata mmodsosort mmodsosrc ' +
	'mmodsotable mmodsoudl mmodsoudldata mmodsouniquetag mmquery mmr mnary mnaryPr mnoBreak mnum moMath ' +
	'moMathPara moMathParaPr mobjDist mopEmu mphant mphantPr mplcHide mpos mr mrPr mrad mradPr msPre ' +
	'msPrePr msSub msSubPr msSubSup msSubSupPr msSup msSupPr msepChr mshow mshp mstrikeBLTR mstrikeH ' +
	'mstrikeTLBR mstrikeV msub msubHide msup msupHide mtransp mtype mvertJc mvfmf mvfml mvtof mvtol ' +
	'mzeroAsc mzeroDesc mzeroWid nesttableprops nextfile nonesttables nonshppict objalias objclass ' +
	'objdata object objname objsect objtime oldcprops oldpprops oldsprops oldtprops oleclsid operator ' +
	'panose password passwordhash pgp pgptbl picprop pict pn pnseclvl pntext pntxta pntxtb printim ' +
	'private propname protend protstart protusertbl pxe result revtbl revtim rsidtbl rtf rxe shp shpgrp ' +
	'shpinst shppict shprslt shptxt sn sp staticval stylesheet subject sv svb tc template themedata title ' +
	'txe ud upr userprops wgrffmtfilter windowcaption writereservation writereservhash xe xform ' +
	'xmlattrname xmlattrvalue xmlclose xmlname xmlnstbl xmlopen'
).split(' '));

/** Every other control word and symbol RTF 1.9.1 defines (words.js kinds 1–4: symbols, flags, values, toggles). */
const OTHER_WORDS = (
	'\' * - : ApplyBrkRules \\ _ ab absh abslock absnoovrlp absw acaps acccircle acccomma accdot accnone ' +
	'accunderdot acf additive adeff adeflang adjustright adn aenddoc aendnotes aexpnd af afelev afs ' +
	'aftnbj aftnnalc aftnnar aftnnauc aftnnchi aftnnchosung aftnncnum aftnndbar aftnndbnum aftnndbnumd ' +
	'aftnndbnumk aftnndbnumt aftnnganada aftnngbnum aftnngbnumd aftnngbnumk aftnngbnuml aftnnrlc aftnnruc ' +
	'aftnnzodiac aftnnzodiacd aftnnzodiacl aftnrestart aftnrstcont aftnstart aftntj ai alang ' +
	'allowfieldendsel allprot alntblind alt animtext annotprot ansi ansicpg aoutl ascaps ashad ' +
	'asianbrkrule aspalpha aspnum astrike aul auld auldb aulnone aulw aup autofmtoverride b bdbfhdr ' +
	'bdrrlswsix bgbdiag bgcross bgdcross bgdkbdiag bgdkcross bgdkdcross bgdkfdiag bgdkhoriz bgdkvert ' +
	'bgfdiag bghoriz bgvert bin binfsxn binsxn bkmkcolf bkmkcoll bkmkpub bliptag blipupi blue bookfold ' +
	'bookfoldrev bookfoldsheets box brdrart brdrb brdrbar brdrbtw brdrcf brdrdash brdrdashd brdrdashdd ' +
	'brdrdashdot brdrdashdotdot brdrdashdotstr brdrdashsm brdrdb brdrdot brdremboss brdrengrave brdrframe ' +
	'brdrhair brdrinset brdrl brdrnil brdrnone brdroutset brdrr brdrs brdrsh brdrt brdrtbl brdrth ' +
	'brdrthtnlg brdrthtnmg brdrthtnsg brdrtnthlg brdrtnthmg brdrtnthsg brdrtnthtnlg brdrtnthtnmg ' +
	'brdrtnthtnsg brdrtriple brdrw brdrwavy brdrwavydb brkfrm brsp bullet bxe caccentfive caccentfour ' +
	'caccentone caccentsix caccentthree caccenttwo cachedcolbal caps cb cbackgroundone cbackgroundtwo ' +
	'cbpat cchs cell cellx cf cfollowedhyperlink cfpat cgrid charrsid charscalex chatn chbgbdiag ' +
	'chbgcross chbgdcross chbgdkbdiag chbgdkcross chbgdkdcross chbgdkfdiag chbgdkhoriz chbgdkvert ' +
	'chbgfdiag chbghoriz chbgvert chbrdr chcbpat chcfpat chdate chdpa chdpl chftn chftnsep chftnsepc ' +
	'chhres chpgn chshdng chtime chyperlink clFitText clNoWrap clbgbdiag clbgcross clbgdcross clbgdkbdiag ' +
	'clbgdkcross clbgdkdcross clbgdkfdiag clbgdkhor clbgdkvert clbgfdiag clbghoriz clbgvert clbrdrb ' +
	'clbrdrl clbrdrr clbrdrt clcbpat clcbpatraw clcfpat clcfpatraw cldel cldelauth cldeldttm cldgll ' +
	'cldglu clftsWidth clhidemark clins clinsauth clinsdttm clmgf clmrg clmrgd clmrgdauth clmrgddttm ' +
	'clmrgdr clpadb clpadfb clpadfl clpadfr clpadft clpadl clpadr clpadt clshdng clshdngraw clshdrawnil ' +
	'clspb clspfb clspfl clspfr clspft clspl clsplit clsplitr clspr clspt cltxbtlr cltxlrtb cltxlrtbv ' +
	'cltxtbrl cltxtbrlv clvertalb clvertalc clvertalt clvmgf clvmrg clwWidth cmaindarkone cmaindarktwo ' +
	'cmainlightone cmainlighttwo collapsed colno cols colsr colsx column colw contextualspace cpg crauth ' +
	'crdate cs cshade ctextone ctexttwo ctint ctrl cts cufi culi curi cvmme date dbch deff defformat ' +
	'deflang deflangfe defshp deftab deleted delrsid dfrauth dfrdate dfrmtxtx dfrmtxty dfrstart dfrstop ' +
	'dfrxst dghorigin dghshow dghspace dgmargin dgsnap dgvorigin dgvshow dgvspace dibitmap disabled dn ' +
	'dntblnsbdb dobxcolumn dobxmargin dobxpage dobymargin dobypage dobypara doctemp doctype dodhgt dolock ' +
	'donotembedlingdata donotembedsysfont donotshowcomments donotshowinsdel donotshowmarkup ' +
	'donotshowprops dpaendhol dpaendl dpaendsol dpaendw dparc dparcflipx dparcflipy dpastarthol dpastartl ' +
	'dpastartsol dpastartw dpcallout dpcoa dpcoaccent dpcobestfit dpcoborder dpcodabs dpcodbottom ' +
	'dpcodcenter dpcodescent dpcodtop dpcolength dpcominusx dpcominusy dpcooffset dpcosmarta dpcotdouble ' +
	'dpcotright dpcotsingle dpcottriple dpcount dpellipse dpendgroup dpfillbgcb dpfillbgcg dpfillbgcr ' +
	'dpfillbggray dpfillbgpal dpfillfgcb dpfillfgcg dpfillfgcr dpfillfggray dpfillfgpal dpfillpat dpgroup ' +
	'dpline dplinecob dplinecog dplinecor dplinedado dplinedadodo dplinedash dplinedot dplinegray ' +
	'dplinehollow dplinepal dplinesolid dplinew dppolycount dppolygon dppolyline dpptx dppty dprect ' +
	'dproundr dpshadow dpshadx dpshady dptxbtlr dptxbx dptxbxmar dptxlrtb dptxlrtbv dptxtbrl dptxtbrlv ' +
	'dpx dpxsize dpy dpysize dropcapli dropcapt ds dxfrtext dy edmins embo emdash emfblip emspace endash ' +
	'enddoc endnhere endnotes enforceprot enspace expnd expndtw expshrtn f faauto facenter facingp ' +
	'fafixed fahang faroman favar fbias fbidi fbidis fbimajor fbiminor fcharset fcs fdbmajor fdbminor ' +
	'fdecor felnbrelev fet fetch ffdefres ffhaslistbox ffhps ffmaxlen ffownhelp ffownstat ffprot ffrecalc ' +
	'ffres ffsize fftype fftypetxt fhimajor fhiminor fi fid fittext fjgothic fjminchou fldalt flddirty ' +
	'fldedit fldlock fldpriv flomajor flominor fmodern fn fnetwork fnil fnonfilesys footery forceupgrade ' +
	'formdisp formprot formshade fosnum fprq fracwidth frelative frmtxbtlr frmtxlrtb frmtxlrtbv frmtxtbrl ' +
	'frmtxtbrlv froman fromhtml fromtext fs fscript fswiss ftech ftnalt ftnbj ftnil ftnlytwnine ftnnalc ' +
	'ftnnar ftnnauc ftnnchi ftnnchosung ftnncnum ftnndbar ftnndbnum ftnndbnumd ftnndbnumk ftnndbnumt ' +
	'ftnnganada ftnngbnum ftnngbnumd ftnngbnumk ftnngbnuml ftnnrlc ftnnruc ftnnzodiac ftnnzodiacd ' +
	'ftnnzodiacl ftnrestart ftnrstcont ftnrstpg ftnstart ftntj fttruetype fvaliddos fvalidhpfs fvalidmac ' +
	'fvalidntfs gcw green grfdocevents gutter gutterprl guttersxn headery hich highlight horzdoc horzsect ' +
	'horzvert hr hres hrule htmautsp htmlbase htmlrtf hwelev hyphauto hyphcaps hyphconsec hyphhotz ' +
	'hyphpar i id ignoremixedcontent ilfomacatclnup ilvl impr indmirror indrlsweleven insrsid intbl ipgp ' +
	'irow irowband itap ixe jclisttab jcompress jexpand jis jpegblip jsksu keep keepn kerning krnprsnet ' +
	'ksulang landscape lang langfe langfenp langnp lastrow lbr ldblquote level levelfollow levelindent ' +
	'leveljc leveljcn levellegal levelnfc levelnfcn levelnorestart levelold levelpicture ' +
	'levelpicturenosize levelprev levelprevspace levelspace levelstartat leveltemplateid li lin line ' +
	'linebetcol linecont linemod lineppage linerestart linestart linestarts linex linkself linkstyles ' +
	'lisa lisb listhybrid listid listoverridecount listoverrideformat listoverridestartat listrestarthdn ' +
	'listsimple liststyleid listtemplateid lnbrkrule lndscpsxn lnongrid loch lquote ls lsdlocked ' +
	'lsdlockeddef lsdpriority lsdprioritydef lsdqformat lsdqformatdef lsdsemihidden lsdsemihiddendef ' +
	'lsdstimax lsdunhideused lsdunhideuseddef ltrch ltrdoc ltrmark ltrpar ltrrow ltrsect lvltentative ' +
	'lytcalctblwd lytexcttp lytprtmet lyttblrtgr mac macpict makebackup margSz margb margbsxn margl ' +
	'marglsxn margmirror margmirsxn margr margrsxn margt margtsxn mbrk mbrkBin mbrkBinSub mcGp mcGpRule ' +
	'mcSp mdefJc mdiffSty mdispDef min mintLim minterSp mintraSp mjc mlMargin mlit mmathFont mmattach ' +
	'mmblanklines mmdatatypeaccess mmdatatypeexcel mmdatatypefile mmdatatypeodbc mmdatatypeodso ' +
	'mmdatatypeqt mmdefaultsql mmdestemail mmdestfax mmdestnewdoc mmdestprinter mmerrors mmfttypeaddress ' +
	'mmfttypebarcode mmfttypedbcolumn mmfttypemapped mmfttypenull mmfttypesalutation mmjdsotype ' +
	'mmlinktoquery mmmaintypecatalog mmmaintypeemail mmmaintypeenvelopes mmmaintypefax mmmaintypelabels ' +
	'mmmaintypeletters mmodsoactive mmodsocoldelim mmodsocolumn mmodsodynaddr mmodsofhdr mmodsofmcolumn ' +
	'mmodsohash mmodsolid mmreccur mmshowdata mnaryLim mnor mo mpostSp mpreSp mrMargin mrSp mrSpRule mscr ' +
	'msmallFrac msmcap msty muser mvauth mvdate mvf mvt mwrapIndent mwrapRight nestcell nestrow ' +
	'newtblstyruls noafcnsttbl nobrkwrptbl nocolbal nocompatoptions nocwrap nocxsptable noextrasprl ' +
	'nofchars nofcharsws nofeaturethrottle nofpages nofwords nogrowautofit noindnmbrts nojkernpunct ' +
	'nolead noline nolnhtadjtbl nooverflow noproof noqfpromote nosectexpand nosnaplinegrid nospaceforul ' +
	'nosupersub notabind notbrkcnstfrctbl notcvasp notvatxbx nouicompat noultrlspc nowidctlpar nowrap ' +
	'nowwrap noxlattoyen objalign objattph objautlink objcropb objcropl objcropr objcropt objemb objh ' +
	'objhtml objicemb objlink objlock objocx objpub objscalex objscaley objsetsize objsub objtransy ' +
	'objupdate objw ogutter oldas oldlinewrap otblrul outl outlinelevel overlay page pagebb paperh paperw ' +
	'par pararsid pard pc pca pgbrdrb pgbrdrfoot pgbrdrhead pgbrdrl pgbrdropt pgbrdrr pgbrdrsnap pgbrdrt ' +
	'pghsxn pgnbidia pgnbidib pgnchosung pgncnum pgncont pgndbnum pgndbnumd pgndbnumk pgndbnumt pgndec ' +
	'pgndecd pgnganada pgngbnum pgngbnumd pgngbnumk pgngbnuml pgnhindia pgnhindib pgnhindic pgnhindid ' +
	'pgnhn pgnhnsc pgnhnsh pgnhnsm pgnhnsn pgnhnsp pgnid pgnlcltr pgnlcrm pgnrestart pgnstart pgnstarts ' +
	'pgnthaia pgnthaib pgnthaic pgnucltr pgnucrm pgnvieta pgnx pgny pgnzodiac pgnzodiacd pgnzodiacl ' +
	'pgwsxn phcol phmrg phpg picbmp picbpp piccropb piccropl piccropr piccropt pich pichgoal picscaled ' +
	'picscalex picscaley picw picwgoal pindtabqc pindtabql pindtabqr plain pmartabqc pmartabql pmartabqr ' +
	'pmmetafile pnacross pnaiu pnaiud pnaiueo pnaiueod pnb pnbidia pnbidib pncaps pncard pncf pnchosung ' +
	'pncnum pndbnum pndbnumd pndbnumk pndbnuml pndbnumt pndec pndecd pnf pnfs pnganada pngblip pngbnum ' +
	'pngbnumd pngbnumk pngbnuml pnhang pni pnindent pniroha pnirohad pnlcltr pnlcrm pnlvl pnlvlblt ' +
	'pnlvlbody pnlvlcont pnnumonce pnord pnordt pnprev pnqc pnql pnqr pnrauth pnrdate pnrestart pnrnfc ' +
	'pnrnot pnrpnbr pnrrgb pnrstart pnrstop pnrxst pnscaps pnsp pnstart pnstrike pnucltr pnucrm pnul ' +
	'pnuld pnuldash pnuldashd pnuldashdd pnuldb pnulhair pnulnone pnulth pnulw pnulwave pnzodiac ' +
	'pnzodiacd pnzodiacl posnegx posnegy posx posxc posxi posxl posxo posxr posy posyb posyc posyil ' +
	'posyin posyout posyt prauth prcolbl prdate printdata proptype protect protlevel psover psz ptabldot ' +
	'ptablmdot ptablminus ptablnone ptabluscore pubauto pvmrg pvpara pvpg pwd qc qd qj qk ql qmspace qr ' +
	'qt rawclbgbdiag rawclbgcross rawclbgdcross rawclbgdkbdiag rawclbgdkcross rawclbgdkdcross ' +
	'rawclbgdkfdiag rawclbgdkhor rawclbgdkvert rawclbgfdiag rawclbghoriz rawclbgvert rdblquote ' +
	'readonlyrecommended readprot red relyonvml remdttm rempersonalinfo revauth revauthdel revbar revdttm ' +
	'revdttmdel revised revisions revprop revprot ri rin row rquote rsid rsidroot rsltbmp rslthtml ' +
	'rsltmerge rsltpict rsltrtf rslttxt rtlch rtldoc rtlgutter rtlmark rtlpar rtlrow rtlsect s sa saauto ' +
	'saftnnalc saftnnar saftnnauc saftnnchi saftnnchosung saftnncnum saftnndbar saftnndbnum saftnndbnumd ' +
	'saftnndbnumk saftnndbnumt saftnnganada saftnngbnum saftnngbnumd saftnngbnumk saftnngbnuml saftnnrlc ' +
	'saftnnruc saftnnzodiac saftnnzodiacd saftnnzodiacl saftnrestart saftnrstcont saftnstart sautoupd ' +
	'saveinvalidxml saveprevpict sb sbasedon sbauto sbkcol sbkeven sbknone sbkodd sbkpage sbys scaps ' +
	'scompose sec sect sectd sectdefaultcl sectexpand sectlinegrid sectnum sectrsid sectspecifycl ' +
	'sectspecifygen sectspecifyl sectunlocked sftnbj sftnnalc sftnnar sftnnauc sftnnchi sftnnchosung ' +
	'sftnncnum sftnndbar sftnndbnum sftnndbnumd sftnndbnumk sftnndbnumt sftnnganada sftnngbnum ' +
	'sftnngbnumd sftnngbnumk sftnngbnuml sftnnrlc sftnnruc sftnnzodiac sftnnzodiacd sftnnzodiacl ' +
	'sftnrestart sftnrstcont sftnrstpg sftnstart sftntj shad shading shidden shift showplaceholdtext ' +
	'showxmlerrors shpbottom shpbxcolumn shpbxignore shpbxmargin shpbxpage shpbyignore shpbymargin ' +
	'shpbypage shpbypara shpfblwtxt shpfhdr shpleft shplid shplockanchor shpright shptop shpwr shpwrk ' +
	'shpz sl slink slmult slocked snaptogridincell snext softcol softlheight softline softpage spersonal ' +
	'spltpgpar splytwnine spriority sprsbsp sprslnsp sprsspbf sprstsm sprstsp spv sqformat srauth srdate ' +
	'sreply ssemihidden stextflow strike striked stshfbi stshfdbch stshfhich stshfloch stylelock ' +
	'stylelockbackcomp stylelockenforced stylelockqfset stylelocktheme stylesortmethod styrsid sub ' +
	'subdocument subfontbysize sunhideused super swpbdr tab tabsnoovrlp taprtl tb tblind tblindtype ' +
	'tbllkbestfit tbllkborder tbllkcolor tbllkfont tbllkhdrcols tbllkhdrrows tbllklastcol tbllklastrow ' +
	'tbllknocolband tbllknorowband tbllkshading tblrsid tcelld tcf tcl tcn tdfrmtxtBottom tdfrmtxtLeft ' +
	'tdfrmtxtRight tdfrmtxtTop themelang themelangcs themelangfe time titlepg tldot tleq tlhyph tlmdot ' +
	'tlth tlul toplinepunct tphcol tphmrg tphpg tposnegx tposnegy tposx tposxc tposxi tposxl tposxo ' +
	'tposxr tposy tposyb tposyc tposyil tposyin tposyout tposyt tpvmrg tpvpara tpvpg tqc tqdec tqr ' +
	'trackformatting trackmoves transmf trauth trautofit trbgbdiag trbgcross trbgdcross trbgdkbdiag ' +
	'trbgdkcross trbgdkdcross trbgdkfdiag trbgdkhor trbgdkvert trbgfdiag trbghoriz trbgvert trbrdrb ' +
	'trbrdrh trbrdrl trbrdrr trbrdrt trbrdrv trcbpat trcfpat trdate trftsWidth trftsWidthA trftsWidthB ' +
	'trgaph trhdr trkeep trkeepfollow trleft trowd trpaddb trpaddfb trpaddfl trpaddfr trpaddft trpaddl ' +
	'trpaddr trpaddt trpadob trpadofb trpadofl trpadofr trpadoft trpadol trpador trpadot trpat trqc trql ' +
	'trqr trrh trshdng trspdb trspdfb trspdfl trspdfr trspdft trspdl trspdr trspdt trspob trspofb trspofl ' +
	'trspofr trspoft trspol trspor trspot truncatefontheight truncex trwWidth trwWidthA trwWidthB ts ' +
	'tsbgbdiag tsbgcross tsbgdcross tsbgdkbdiag tsbgdkcross tsbgdkdcross tsbgdkfdiag tsbgdkhor tsbgdkvert ' +
	'tsbgfdiag tsbghoriz tsbgvert tsbrdrb tsbrdrdgl tsbrdrdgr tsbrdrh tsbrdrl tsbrdrr tsbrdrt tsbrdrv ' +
	'tscbandhorzeven tscbandhorzodd tscbandsh tscbandsv tscbandverteven tscbandvertodd tscellcbpat ' +
	'tscellcfpat tscellpaddb tscellpaddfb tscellpaddfl tscellpaddfr tscellpaddft tscellpaddl tscellpaddr ' +
	'tscellpaddt tscellpct tscellwidth tscellwidthfts tscfirstcol tscfirstrow tsclastcol tsclastrow ' +
	'tscnecell tscnwcell tscsecell tscswcell tsd tsnowrap tsrowd tsvertalb tsvertalc tsvertalt twoinone ' +
	'twoonone tx txbxtwalways txbxtwfirst txbxtwfirstlast txbxtwlast txbxtwno u uc ul ulc uld uldash ' +
	'uldashd uldashdd uldb ulhair ulhwave ulldash ulnone ulth ulthd ulthdash ulthdashd ulthdashdd ' +
	'ulthldash ululdbwave ulw ulwave up urtf useltbaln usenormstyforlist usexform utinl v validatexml ' +
	'vern version vertal vertalb vertalc vertalj vertalt vertdoc vertsect viewbksp viewkind viewnobound ' +
	'viewscale viewzk wbitmap wbmbitspixel wbmplanes wbmwidthbytes webhidden widctlpar widowctrl ' +
	'wmetafile wpeqn wpjst wpsp wraparound wrapdefault wrapthrough wraptight wraptrsp wrppunct xef ' +
	'xmlattr xmlattrns xmlns xmlsdttcell xmlsdttpara xmlsdttregular xmlsdttrow xmlsdttunknown yr yts yxe ' +
	'zwbo zwj zwnbo zwnj { | } ~'
).split(' ');

/**
 * rtf-stream-parser looks words up in a plain object, so the names of Object.prototype's members count as known
 * (non-destination) words there; kept, so that \constructor or \toString after `{\*` behave identically.
 */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Every known control word (destinations included). */
export const RTF_KNOWN_WORDS: ReadonlySet<string> = new Set([...RTF_DESTINATIONS, ...OTHER_WORDS, ...PROTOTYPE_NAMES]);
