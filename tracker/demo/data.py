"""Demo reference data for Pemerintah Kota Malang, as of the workshop of 26 July 2023.

Public facts only; nothing here is invented:

* **Perangkat daerah (OPD).** Peraturan Daerah Kota Malang Nomor 7 Tahun 2016 tentang
  Pembentukan dan Susunan Perangkat Daerah (Sekretariat Daerah, Sekretariat DPRD, Inspektorat,
  dinas, badan, kecamatan), see
  https://organisasi.malangkota.go.id/2016/11/10/peraturan-daerah-nomor-7-tahun-2016-tentang-pembentukan-dan-susunan-perangkat-daerah
  as amended by Perda Kota Malang Nomor 5 Tahun 2019 (in force from 2020), which merged
  DPUPR + Disperkim into DPUPRPKP, Disnaker + DPMPTSP into Disnaker-PMPTSP, Dinas Pendidikan +
  culture into Disdikbud, Dinsos + DP3AP2KB into Dinsos-P3AP2KB, three trade/industry/
  cooperative offices into Diskopindag, and youth/sport + tourism into Disporapar:
  "Pemkot Malang Lebur Enam Perangkat Daerah",
  https://malangkota.go.id/en/2020/01/04/pemkot-malang-lebur-enam-perangkat-daerah/
  Names of the other offices as used on malangkota.go.id and in 2021-2023 reporting
  (Bappeda, BKAD, Bapenda, BKPSDM, BPBD with a "Kepala Pelaksana", Dispangtan, Dispussipda,
  Dispendukcapil, Satpol PP). The RSUD Kota Malang is listed separately (its own SOTK, see
  https://kelsumbersari.malangkota.go.id/2023/09/21/).
* **Officials.** Wali Kota Drs. H. Sutiaji and Wakil Wali Kota Ir. H. Sofyan Edi Jarwoko served
  2018 until 24 September 2023; Erik Setyo Santoso, S.T., M.T. was Sekretaris Daerah from
  3 June 2021 and still in September 2023:
  https://kelsumbersari.malangkota.go.id/2023/09/page/2/ ,
  https://www.malangtimes.com/opini/68045/20210603/135100/sekda-baru-pilihan-logis-sutiaji-hadapi-pilkada-kota-malang-2024
  The workshop itself: https://jatimtimes.com/baca/293445/20230726/182200/target-4-hal-wali-kota-malang-minta-asn-jaga-performa-kinerja-untuk-wujudkan-reformasi-birokrasi
  Every other official is recorded under the *position* as name (no people's names, no NIP
  are made up).
* **RB thematic areas 2023.** PermenPANRB Nomor 3 Tahun 2023 (perubahan atas PermenPANRB
  25/2020 tentang Road Map Reformasi Birokrasi 2020-2024): RB Tematik = pengentasan kemiskinan,
  peningkatan investasi, digitalisasi administrasi pemerintahan, percepatan prioritas aktual
  Presiden (peningkatan penggunaan produk dalam negeri, pengendalian inflasi); stunting is
  one of the four targets the Wali Kota named at the workshop. RB General = the eight areas of
  change of the road map.

All e-mail addresses are on example.org (reserved for examples). The mobile numbers are
example numbers in one block (0812-3000-0001, 0812-3000-0002, … in the order of
:data:`PEOPLE`): leaders and the Inspektorat's auditors are reached by e-mail only, the
secretary of Kecamatan Sukun by WhatsApp only, everyone else by both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tracker.models.enums import HierarchyRole, NotifyChannel, OpdKind, Role

DEMO_EMAIL_DOMAIN = "example.org"
DEMO_YEAR = 2023
POSITION_AS_NAME_NOTE = "Nama pejabat tidak dicantumkan dalam data demo; diisi nama jabatan."
LEADER_NOTE = "Menjabat pada saat workshop penguatan kapasitas perangkat daerah, 26 Juli 2023."


@dataclass(frozen=True)
class OpdSpec:
    code: str
    name: str
    kind: OpdKind
    sort_order: int
    #: Position of the head; None where the head is a leader (Sekda, Inspektur).
    head: str | None
    #: Position of the secretary (the one who carries out commitments).
    secretary: str


@dataclass(frozen=True)
class PersonSpec:
    name: str
    position: str
    role: HierarchyRole
    opd_code: str | None
    email: str
    notes: str | None = None
    #: As an official would type it; stored normalised (E.164 without "+").
    phone: str | None = None
    notify_by: NotifyChannel = NotifyChannel.BOTH

    @property
    def key(self) -> tuple[str | None, HierarchyRole, str]:
        return (self.opd_code, self.role, self.position)


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    is_priority: bool
    sort_order: int
    description: str | None = None
    year: int = DEMO_YEAR


@dataclass(frozen=True)
class AccountSpec:
    email: str
    role: Role
    #: The official this login belongs to, by PersonSpec.key; None for a plain account.
    person: tuple[str | None, HierarchyRole, str] | None = None
    opd_code: str | None = None
    name: str | None = None
    #: approves review decisions and issues letters (the Inspektur)
    approves_decisions: bool = False


def _dinas(code: str, name: str, order: int) -> OpdSpec:
    return OpdSpec(code, name, OpdKind.DINAS, order, f"Kepala {name}", f"Sekretaris {name}")


def _badan(code: str, name: str, order: int, head: str | None = None) -> OpdSpec:
    return OpdSpec(code, name, OpdKind.BADAN, order, head or f"Kepala {name}", f"Sekretaris {name}")


def _kecamatan(code: str, area: str, order: int) -> OpdSpec:
    return OpdSpec(
        code,
        f"Kecamatan {area}",
        OpdKind.KECAMATAN,
        order,
        f"Camat {area}",
        f"Sekretaris Kecamatan {area}",
    )


# Protocol order: Setda, Setwan, Inspektorat, dinas, badan, RSUD, Satpol PP, kecamatan.
OPDS: tuple[OpdSpec, ...] = (
    OpdSpec(
        "SETDA",
        "Sekretariat Daerah",
        OpdKind.SEKRETARIAT,
        10,
        None,
        "Kepala Bagian Umum Sekretariat Daerah",
    ),
    OpdSpec(
        "SETWAN",
        "Sekretariat Dewan Perwakilan Rakyat Daerah",
        OpdKind.SEKRETARIAT,
        20,
        "Sekretaris DPRD",
        "Kepala Bagian Umum Sekretariat DPRD",
    ),
    OpdSpec(
        "INSPEKTORAT", "Inspektorat Daerah", OpdKind.INSPEKTORAT, 30, None, "Sekretaris Inspektorat"
    ),
    # Dinas, in the order of the government affairs they carry out.
    _dinas("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan", 100),
    _dinas("DINKES", "Dinas Kesehatan", 105),
    _dinas(
        "DPUPRPKP", "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan dan Kawasan Permukiman", 110
    ),
    _dinas(
        "DINSOS_P3AP2KB",
        "Dinas Sosial, Pemberdayaan Perempuan dan Perlindungan Anak, Pengendalian Penduduk "
        "dan Keluarga Berencana",
        115,
    ),
    _dinas(
        "DISNAKER_PMPTSP",
        "Dinas Tenaga Kerja, Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        120,
    ),
    _dinas("DISPANGTAN", "Dinas Ketahanan Pangan dan Pertanian", 125),
    _dinas("DLH", "Dinas Lingkungan Hidup", 130),
    _dinas("DISPENDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", 135),
    _dinas("DISHUB", "Dinas Perhubungan", 140),
    _dinas("DISKOMINFO", "Dinas Komunikasi dan Informatika", 145),
    _dinas("DISKOPINDAG", "Dinas Koperasi, Perindustrian dan Perdagangan", 150),
    _dinas("DISPORAPAR", "Dinas Kepemudaan, Olahraga dan Pariwisata", 155),
    _dinas("DISPUSSIPDA", "Dinas Perpustakaan Umum dan Arsip Daerah", 160),
    # Badan.
    _badan("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", 200),
    _badan("BKAD", "Badan Keuangan dan Aset Daerah", 205),
    _badan("BAPENDA", "Badan Pendapatan Daerah", 210),
    _badan("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", 215),
    _badan("BAKESBANGPOL", "Badan Kesatuan Bangsa dan Politik", 220),
    _badan(
        "BPBD",
        "Badan Penanggulangan Bencana Daerah",
        225,
        head="Kepala Pelaksana Badan Penanggulangan Bencana Daerah",
    ),
    OpdSpec(
        "RSUD",
        "Rumah Sakit Umum Daerah Kota Malang",
        OpdKind.RSUD,
        300,
        "Direktur RSUD Kota Malang",
        "Kepala Bagian Tata Usaha RSUD Kota Malang",
    ),
    OpdSpec(
        "SATPOL_PP",
        "Satuan Polisi Pamong Praja",
        OpdKind.SATPOL_PP,
        310,
        "Kepala Satuan Polisi Pamong Praja",
        "Sekretaris Satuan Polisi Pamong Praja",
    ),
    _kecamatan("KEC_BLIMBING", "Blimbing", 400),
    _kecamatan("KEC_KEDUNGKANDANG", "Kedungkandang", 405),
    _kecamatan("KEC_KLOJEN", "Klojen", 410),
    _kecamatan("KEC_LOWOKWARU", "Lowokwaru", 415),
    _kecamatan("KEC_SUKUN", "Sukun", 420),
)


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


def _slug(code: str) -> str:
    return code.lower().replace("_", "-")


LEADERS: tuple[PersonSpec, ...] = (
    PersonSpec(
        "Drs. H. Sutiaji",
        "Wali Kota Malang",
        HierarchyRole.WALI_KOTA,
        None,
        _email("walikota"),
        LEADER_NOTE,
    ),
    PersonSpec(
        "Ir. H. Sofyan Edi Jarwoko",
        "Wakil Wali Kota Malang",
        HierarchyRole.WAWALI,
        None,
        _email("wawali"),
        LEADER_NOTE,
    ),
    PersonSpec(
        "Erik Setyo Santoso, S.T., M.T.",
        "Sekretaris Daerah Kota Malang",
        HierarchyRole.SEKDA,
        "SETDA",
        _email("sekda"),
        LEADER_NOTE,
    ),
    PersonSpec(
        "Inspektur Kota Malang",
        "Inspektur Kota Malang",
        HierarchyRole.INSPEKTUR,
        "INSPEKTORAT",
        _email("inspektur"),
        POSITION_AS_NAME_NOTE,
    ),
)

INSPEKTORAT_STAFF: tuple[PersonSpec, ...] = tuple(
    PersonSpec(
        position,
        position,
        HierarchyRole.INSPEKTORAT,
        "INSPEKTORAT",
        _email(f"{local}.inspektorat"),
        POSITION_AS_NAME_NOTE,
    )
    for position, local in (
        ("Auditor Ahli Madya", "auditor-madya"),
        ("Auditor Ahli Muda", "auditor-muda"),
        ("Auditor Ahli Pertama", "auditor-pertama"),
        ("Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah Ahli Muda", "ppupd-muda"),
    )
)


def opd_officials() -> tuple[PersonSpec, ...]:
    """The head (where not a leader) and the secretary of every OPD."""
    people: list[PersonSpec] = []
    for opd in OPDS:
        slug = _slug(opd.code)
        if opd.head is not None:
            people.append(
                PersonSpec(
                    opd.head,
                    opd.head,
                    HierarchyRole.KEPALA_OPD,
                    opd.code,
                    _email(f"kepala.{slug}"),
                    POSITION_AS_NAME_NOTE,
                )
            )
        people.append(
            PersonSpec(
                opd.secretary,
                opd.secretary,
                HierarchyRole.SEKRETARIS_OPD,
                opd.code,
                _email(f"sekretaris.{slug}"),
                POSITION_AS_NAME_NOTE,
            )
        )
    return tuple(people)


DEMO_PHONE_PREFIX = "0812-3000-"
#: Who prefers e-mail only: the Wali Kota, the Wakil Wali Kota and the auditors.
EMAIL_ONLY_ROLES = frozenset({HierarchyRole.WALI_KOTA, HierarchyRole.WAWALI})
#: The one official who wants WhatsApp only: the secretary of this OPD.
WHATSAPP_ONLY_OPD = "KEC_SUKUN"


def _channel(person: PersonSpec) -> NotifyChannel:
    if person.role in EMAIL_ONLY_ROLES or person.role is HierarchyRole.INSPEKTORAT:
        return NotifyChannel.EMAIL
    if person.role is HierarchyRole.SEKRETARIS_OPD and person.opd_code == WHATSAPP_ONLY_OPD:
        return NotifyChannel.WHATSAPP
    return NotifyChannel.BOTH


def _with_contacts(people: tuple[PersonSpec, ...]) -> tuple[PersonSpec, ...]:
    """Each official with an example mobile number (in order) and a contact preference."""
    return tuple(
        replace(person, phone=f"{DEMO_PHONE_PREFIX}{n:04d}", notify_by=_channel(person))
        for n, person in enumerate(people, start=1)
    )


PEOPLE: tuple[PersonSpec, ...] = _with_contacts(LEADERS + opd_officials() + INSPEKTORAT_STAFF)

#: Hierarchy roles that make a person the head of their OPD.
HEAD_ROLES = frozenset({HierarchyRole.KEPALA_OPD, HierarchyRole.SEKDA, HierarchyRole.INSPEKTUR})


def _person_key(
    role: HierarchyRole, opd_code: str | None = None
) -> tuple[str | None, HierarchyRole, str]:
    for person in PEOPLE:
        if person.role is role and person.opd_code == opd_code:
            return person.key
    raise LookupError(f"no demo person {role.value} in {opd_code}")


_PERMENPANRB = "PermenPANRB Nomor 3 Tahun 2023 (Road Map Reformasi Birokrasi 2020-2024)"

THEMATIC_AREAS: tuple[AreaSpec, ...] = (
    # RB Tematik 2023: the four priorities the Wali Kota set at the workshop of 26 July 2023
    # (extreme poverty, digitalisation of public services, stunting, investment) are marked
    # priority; the President's current priorities (domestic products, inflation) are RB
    # Tematik areas too, not marked.
    AreaSpec(
        "KEMISKINAN",
        "Pengentasan Kemiskinan (termasuk Kemiskinan Ekstrem)",
        True,
        10,
        f"RB Tematik 2023, {_PERMENPANRB}.",
    ),
    AreaSpec("INVESTASI", "Peningkatan Investasi", True, 20, f"RB Tematik 2023, {_PERMENPANRB}."),
    AreaSpec(
        "DIGITALISASI",
        "Digitalisasi Administrasi Pemerintahan",
        True,
        30,
        f"RB Tematik 2023, {_PERMENPANRB}; termasuk digitalisasi pelayanan publik.",
    ),
    AreaSpec(
        "STUNTING",
        "Percepatan Penurunan Stunting",
        True,
        40,
        "Salah satu empat target RB yang ditetapkan Wali Kota pada workshop 26 Juli 2023.",
    ),
    AreaSpec(
        "PDN",
        "Peningkatan Penggunaan Produk Dalam Negeri",
        False,
        50,
        f"RB Tematik 2023 (prioritas aktual Presiden), {_PERMENPANRB}.",
    ),
    AreaSpec(
        "INFLASI",
        "Pengendalian Inflasi",
        False,
        60,
        f"RB Tematik 2023 (prioritas aktual Presiden), {_PERMENPANRB}.",
    ),
    # RB General: the areas of change.
    AreaSpec("MANAJEMEN_PERUBAHAN", "Manajemen Perubahan", False, 110, "RB General."),
    AreaSpec("DEREGULASI", "Deregulasi Kebijakan", False, 120, "RB General."),
    AreaSpec("PENATAAN_ORGANISASI", "Penataan Organisasi", False, 130, "RB General."),
    AreaSpec("TATA_LAKSANA", "Penataan Tata Laksana", False, 140, "RB General."),
    AreaSpec("SDM_APARATUR", "Penataan Sumber Daya Manusia Aparatur", False, 150, "RB General."),
    AreaSpec("AKUNTABILITAS", "Penguatan Akuntabilitas", False, 160, "RB General."),
    AreaSpec("PENGAWASAN", "Penguatan Pengawasan", False, 170, "RB General."),
    AreaSpec(
        "PELAYANAN_PUBLIK", "Peningkatan Kualitas Pelayanan Publik", False, 180, "RB General."
    ),
)

#: One demo login per role. Passwords are generated when the account is first created.
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec(_email("admin"), Role.ADMIN, name="Administrator Demo"),
    AccountSpec(_email("inspektorat"), Role.INSPEKTORAT, person=INSPEKTORAT_STAFF[0].key),
    AccountSpec(
        _email("inspektur"),
        Role.INSPEKTORAT,
        person=_person_key(HierarchyRole.INSPEKTUR, "INSPEKTORAT"),
        approves_decisions=True,
    ),
    AccountSpec(_email("pimpinan"), Role.PIMPINAN, person=_person_key(HierarchyRole.WALI_KOTA)),
    AccountSpec(
        _email("opd.dinkes"),
        Role.OPD,
        opd_code="DINKES",
        person=_person_key(HierarchyRole.SEKRETARIS_OPD, "DINKES"),
    ),
)
