"""Fixed vocabularies masked values are drawn from (by HMAC index), so a masked name reads as a name."""

FIRST_NAMES: tuple[str, ...] = tuple(
    """Aaliyah Abel Ada Adrian Agnes Aidan Alba Albert Alec Alma Alvin Amara Ambrose Anika Ansel Arlo
    Astrid Aurora Barnaby Beatrix Benedict Bianca Blaise Bodhi Bram Brielle Caius Calla Cassius
    Celeste Cedric Clement Cleo Corin Cosima Dalia Darius Delphine Dorian Edda Eero Elio Elodie
    Emrys Enzo Esme Evander Fabian Faye Felix Fenna Florian Freya Gideon Greta Hale Harriet Hector
    Helga Idris Ilse Imogen Ingrid Isidore Ivo Jolene Jonas Juno Kasimir Keira Kian Lark Leander
    Linnea Lorcan Lucan Maeve Magnus Malin Marek Matilde Milo Mirela Nadia Niamh Nico Odile Olan
    Orla Otto Pavla Perrin Petra Quentin Quilla Rafe Ramona Remy Rhea Rowan Sabine Sigrid Silas
    Soren Stellan Tamsin Thea Tobias Ulla Uriel Valen Vesna Wren Xavi Yara Yusuf Zara Zeno""".split()  # noqa: SIM905 - a word list reads best as text
)

LAST_NAMES: tuple[str, ...] = tuple(
    """Abernathy Achterberg Albescu Alderwood Amsel Ardent Ashdown Balcombe Barraclough Bellweather
    Birchall Blackwood Bramante Brightwater Calloway Carrow Castellane Cawthorne Chadwick Corvino
    Crestfield Dalloway Davenhill Delacroix Dunmore Eastbrook Elsworth Everly Fairbanks Falkner
    Fenwick Fitzwilliam Foxworth Galloway Garrick Glenfield Gravesend Greythorn Halloran Harrowgate
    Hawthorne Holloway Ingersoll Ironside Jasperson Kellerman Kestrel Kingsley Lachance Lindqvist
    Lockhart Lovell Marchetti Merriweather Montague Moorcroft Nightingale Northcott Oakenfold Orsini
    Pemberton Pendleton Quartermaine Radcliffe Ravensworth Redgrave Rosewood Rutherford Salvatore
    Sandoval Sinclair Stanhope Sterling Stormont Thackeray Thistlewood Thornbury Tremaine Underhill
    Vanderlinde Vasquez Wainwright Westbrook Whitlock Winterbourne Wolfram Wycliffe Yardley Zamora
    Zellweger""".split()  # noqa: SIM905 - a word list reads best as text
)

STREETS: tuple[str, ...] = tuple(
    """Alder Birch Cedar Chestnut Elm Hawthorn Juniper Larch Linden Maple Oak Pine Rowan Spruce Willow
    Yew Amber Beacon Bramble Clover Copper Fern Harbor Heather Ivy Lantern Meadow Mill Orchard
    Quarry River Saddle Thistle Valley""".split()  # noqa: SIM905 - a word list reads best as text
)

CITIES: tuple[str, ...] = tuple(
    """Ashford Bellhaven Brookmere Carrowmore Dunwick Eastvale Fairhollow Glenbrook Harrowfield
    Kingsbridge Larkspur Millbrook Northwold Oakhurst Pinecrest Queensford Ravenholt Stonebridge
    Thornfield Westmere""".split()  # noqa: SIM905 - a word list reads best as text
)

STREET_KINDS: tuple[str, ...] = ("Street", "Avenue", "Road", "Lane", "Way", "Court", "Place", "Drive")

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")
