"""BPK's audit codes (Keputusan BPK 5/K/I-XIII.2/8/2010, Petunjuk Teknis Kodering Temuan
Pemeriksaan): finding codes, cause codes and recommendation codes, as seeded into the
reference tables.

Plain data only; the module imports nothing outside the standard library. Codes are kept as
strings exactly as printed ("1", "1.01", "1.01.01"; recommendations "01" to "14"). Names are
in Indonesian as the sources give them (line breaks from PDF copies joined with one space).

SOURCES
-------
The decision's own text could not be read: the stored copies of
https://dokumen.tips/documents/juknis-bpk-kodering-temuan-pemeriksaan.html and
https://dokumen.tech/document/atribut-temuan.html were reachable only up to the opening
"Menimbang" clauses. The lists below were therefore taken from public code that seeds the
same codes, checked against each other:

* Finding codes: seed lists from five projects (a MySQL dump in haidarvm/serj
  e4/assets/db/e4_db.sql; a Laravel ``KodeTemuanSeeder``; an inspectorate ``kode_temuan`` dump
  from Sidoarjo; a ``master_kode`` dump from an "Inspektorat III" app; a CodeIgniter
  ``KodetemuanSeeder`` that cites PermenPAN-RB 41/2011, which reuses the same 89 detailed
  codes). Some may share one origin. All agree on codes and structure except 1.05 (noted);
  wording differences are noted inline.
* Recommendation codes 01-14: the haidarvm/serj dump, the Laravel seeder above, and two
  further Laravel ``KodeRekomendasiSeeder`` files (one citing PermenPAN 42/2011, Lampiran 2.2).
  Some sources also carry a "00 Kode Rekomendasi" row; it is a table heading, not a code, and
  is left out.
* Cause codes: NOT FOUND for this decision; see the note above ``CAUSE_CODES``.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    code: str  # "1", "1.01", "1.01.01" / cause "1", "1.01" ... / recommendation "01"
    name: str  # Indonesian name as the guide gives it
    parent: str | None  # the code of the level above, None at the top


SOURCE = (
    "Keputusan BPK Nomor 5/K/I-XIII.2/8/2010 tentang Petunjuk Teknis Kodering Temuan Pemeriksaan"
)

FINDING_CODES: tuple[Code, ...] = (
    # Three of the four sources read give this group as below; one gives
    # "Temuan Ketidakpatuhan Terhadap Peraturan Perundang-Undangan".
    Code("1", "Temuan Ketidakpatuhan Terhadap Peraturan", None),
    Code(
        "1.01",
        (
            "Kerugian negara/daerah atau kerugian negara/daerah yang terjadi pada perusahaan "
            "milik negara/daerah"
        ),
        "1",
    ),
    # One source misprints "fiktif" as "aktif".
    Code("1.01.01", "Belanja dan/atau pengadaan barang/jasa fiktif", "1.01"),
    Code("1.01.02", "Rekanan pengadaan barang/jasa tidak menyelesaikan pekerjaan", "1.01"),
    Code("1.01.03", "Kekurangan volume pekerjaan dan/atau barang", "1.01"),
    Code(
        "1.01.04",
        "Kelebihan pembayaran selain kekurangan volume pekerjaan dan/atau barang",
        "1.01",
    ),
    Code("1.01.05", "Pemahalan harga (Mark up)", "1.01"),
    Code("1.01.06", "Penggunaan uang/barang untuk kepentingan pribadi", "1.01"),
    Code(
        "1.01.07",
        (
            "Pembayaran honorarium dan/atau biaya perjalanan dinas ganda dan/atau melebihi "
            "standar yang ditetapkan"
        ),
        "1.01",
    ),
    Code("1.01.08", "Spesifikasi barang/jasa yang diterima tidak sesuai dengan kontrak", "1.01"),
    Code("1.01.09", "Belanja tidak sesuai atau melebihi ketentuan", "1.01"),
    Code("1.01.10", "Pengembalian pinjaman/piutang atau dana bergulir macet", "1.01"),
    Code(
        "1.01.11",
        "Kelebihan penetapan dan pembayaran restitusi pajak atau penetapan kompensasi kerugian",
        "1.01",
    ),
    Code(
        "1.01.12",
        (
            "Penjualan/pertukaran/penghapusan aset negara/daerah tidak sesuai ketentuan dan "
            "merugikan negara/daerah"
        ),
        "1.01",
    ),
    Code(
        "1.01.13",
        "Pengenaan ganti kerugian negara belum/tidak dilaksanakan sesuai ketentuan",
        "1.01",
    ),
    Code(
        "1.01.14",
        "Entitas belum/tidak melaksanakan tuntutan perbendaharaan (TP) sesuai ketentuan",
        "1.01",
    ),
    Code("1.01.15", "Penghapusan hak tagih tidak sesuai ketentuan", "1.01"),
    Code("1.01.16", "Pelanggaran ketentuan pemberian diskon penjualan", "1.01"),
    # Two sources omit "(harga pokok pembelian)"; three have it.
    Code(
        "1.01.17",
        (
            "Penentuan HPP (harga pokok pembelian) terlalu rendah sehingga penentuan harga jual "
            "lebih rendah dari yang seharusnya"
        ),
        "1.01",
    ),
    Code(
        "1.01.18",
        (
            "Jaminan pelaksanaan dalam pelaksanaan pekerjaan, pemanfaatan barang dan pemberian "
            "fasilitas tidak dapat dicairkan"
        ),
        "1.01",
    ),
    Code("1.01.19", "Penyetoran penerimaan negara/daerah dengan bukti fiktif", "1.01"),
    Code(
        "1.02",
        (
            "Potensi kerugian negara/daerah atau kerugian negara/daerah yang terjadi pada "
            "perusahaan milik negara/daerah"
        ),
        "1",
    ),
    Code(
        "1.02.01",
        (
            "Kelebihan pembayaran dalam pengadaan barang/jasa tetapi pembayaran pekerjaan belum "
            "dilakukan sebagian atau seluruhnya"
        ),
        "1.02",
    ),
    Code(
        "1.02.02",
        (
            "Rekanan belum melaksanakan kewajiban pemeliharaan barang hasil pengadaan yang telah "
            "rusak selama masa pemeliharaan"
        ),
        "1.02",
    ),
    Code("1.02.03", "Aset dikuasai pihak lain", "1.02"),
    Code("1.02.04", "Pembelian aset yang berstatus sengketa", "1.02"),
    Code("1.02.05", "Aset tidak diketahui keberadaannya", "1.02"),
    Code(
        "1.02.06",
        (
            "Pemberian jaminan pelaksanaan dalam pelaksanaan pekerjaan, pemanfaatan barang dan "
            "pemberian fasilitas tidak sesuai ketentuan"
        ),
        "1.02",
    ),
    Code(
        "1.02.07",
        "Pihak ketiga belum melaksanakan kewajiban untuk menyerahkan aset kepada negara/daerah",
        "1.02",
    ),
    Code("1.02.08", "Piutang/pinjaman atau dana bergulir yang berpotensi tidak tertagih", "1.02"),
    Code("1.02.09", "Penghapusan piutang tidak sesuai ketentuan", "1.02"),
    Code(
        "1.02.10",
        "Pencairan anggaran pada akhir tahun anggaran untuk pekerjaan yang belum selesai",
        "1.02",
    ),
    Code("1.03", "Kekurangan penerimaan negara/daerah atau perusahaan milik negara/daerah", "1"),
    # One source ends at "kas negara/daerah"; the other sources have the full text.
    Code(
        "1.03.01",
        (
            "Penerimaan negara/daerah atau denda keterlambatan pekerjaan belum/tidak ditetapkan "
            "dipungut/diterima/disetor ke kas negara/daerah atau perusahaan milik negara/daerah"
        ),
        "1.03",
    ),
    Code("1.03.02", "Penggunaan langsung penerimaan negara/daerah", "1.03"),
    Code("1.03.03", "Dana Perimbangan yang telah ditetapkan belum masuk ke kas daerah", "1.03"),
    Code(
        "1.03.04",
        "Penerimaan negara/daerah diterima atau digunakan oleh instansi yang tidak berhak",
        "1.03",
    ),
    Code("1.03.05", "Pengenaan tarif pajak/PNBP lebih rendah dari ketentuan", "1.03"),
    Code("1.03.06", "Koreksi perhitungan bagi hasil dengan KKKS", "1.03"),
    Code("1.03.07", "Kelebihan pembayaran subsidi oleh pemerintah", "1.03"),
    Code("1.04", "Administrasi", "1"),
    Code("1.04.01", "Pertanggungjawaban tidak akuntabel (bukti tidak lengkap/tidak valid)", "1.04"),
    Code("1.04.02", "Pekerjaan dilaksanakan mendahului kontrak atau penetapan anggaran", "1.04"),
    Code(
        "1.04.03",
        "Proses pengadaan barang/jasa tidak sesuai ketentuan (tidak menimbulkan kerugian negara)",
        "1.04",
    ),
    Code("1.04.04", "Pemecahan kontrak untuk menghindari pelelangan", "1.04"),
    # Printed as "performa" in every source (the word meant is "proforma").
    Code("1.04.05", "Pelaksanaan lelang secara performa", "1.04"),
    # One source cuts the text after "barang milik"; the others end as below.
    Code(
        "1.04.06",
        (
            "Penyimpangan terhadap peraturan perundang-undangan bidang pengelolaan perlengkapan "
            "atau barang milik negara/daerah/perusahaan"
        ),
        "1.04",
    ),
    Code(
        "1.04.07",
        (
            "Penyimpangan terhadap peraturan perundang-undangan bidang tertentu lainnya seperti "
            "kehutanan, pertambangan, perpajakan, dll"
        ),
        "1.04",
    ),
    Code("1.04.08", "Koreksi perhitungan subsidi/kewajiban pelayanan umum", "1.04"),
    Code(
        "1.04.09",
        (
            "Pembentukan cadangan piutang, perhitungan penyusutan atau amortisasi tidak sesuai "
            "ketentuan"
        ),
        "1.04",
    ),
    Code(
        "1.04.10",
        (
            "Penyetoran penerimaan negara/daerah atau kas di bendaharawan ke kas negara/daerah "
            "melebihi batas waktu yang ditentukan"
        ),
        "1.04",
    ),
    Code(
        "1.04.11",
        "Pertanggungjawaban/penyetoran uang persediaan melebihi batas waktu yang ditentukan",
        "1.04",
    ),
    Code(
        "1.04.12",
        (
            "Sisa kas di bendahara pengeluaran akhir tahun anggaran belum/tidak disetor ke kas "
            "negara/daerah"
        ),
        "1.04",
    ),
    Code("1.04.13", "Pengeluaran investasi pemerintah tidak didukung bukti yang sah", "1.04"),
    Code("1.04.14", "Kepemilikan aset tidak/belum didukung bukti yang sah", "1.04"),
    Code("1.04.15", "Pengalihan anggaran antar MAK tidak sah", "1.04"),
    Code("1.04.16", "Pelampauan pagu anggaran", "1.04"),
    # Three sources list seven sub-codes; one leaves out kehutanan and renumbers
    # pasar modal / khusus lainnya as 05 / 06. The majority numbering is kept.
    Code("1.05", "Indikasi tindak pidana", "1"),
    Code("1.05.01", "Indikasi tindak pidana korupsi", "1.05"),
    Code("1.05.02", "Indikasi tindak pidana perbankan", "1.05"),
    Code("1.05.03", "Indikasi tindak pidana perpajakan", "1.05"),
    Code("1.05.04", "Indikasi tindak pidana kepabeanan", "1.05"),
    Code("1.05.05", "Indikasi tindak pidana kehutanan", "1.05"),
    Code("1.05.06", "Indikasi tindak pidana pasar modal", "1.05"),
    Code("1.05.07", "Indikasi tindak pidana khusus lainnya", "1.05"),
    Code("2", "Temuan kelemahan sistem pengendalian intern", None),
    Code("2.01", "Kelemahan sistem pengendalian akuntansi dan pelaporan", "2"),
    Code("2.01.01", "Pencatatan tidak/belum dilakukan atau tidak akurat", "2.01"),
    Code("2.01.02", "Proses penyusunan laporan tidak sesuai ketentuan", "2.01"),
    Code("2.01.03", "Entitas terlambat menyampaikan laporan", "2.01"),
    Code("2.01.04", "Sistem informasi akuntansi dan pelaporan tidak memadai", "2.01"),
    Code(
        "2.01.05",
        "Sistem informasi akuntansi dan pelaporan belum didukung SDM yang memadai",
        "2.01",
    ),
    # One source drops "pendapatan" from this name.
    Code("2.02", "Kelemahan sistem pengendalian pelaksanaan anggaran pendapatan dan belanja", "2"),
    Code("2.02.01", "Perencanaan kegiatan tidak memadai", "2.02"),
    Code(
        "2.02.02",
        (
            "Mekanisme pemungutan, penyetoran dan pelaporan serta penggunaan Penerimaan "
            "negara/daerah/perusahaan dan hibah tidak sesuai ketentuan"
        ),
        "2.02",
    ),
    Code(
        "2.02.03",
        (
            "Penyimpangan terhadap peraturan perundang-undangan bidang teknis tertentu atau "
            "ketentuan intern organisasi yang diperiksa tentang pendapatan dan belanja"
        ),
        "2.02",
    ),
    Code("2.02.04", "Pelaksanaan belanja di luar mekanisme APBN/APBD", "2.02"),
    Code(
        "2.02.05",
        (
            "Penetapan/pelaksanaan kebijakan tidak tepat atau belum dilakukan berakibat hilangnya"
            " potensi penerimaan/pendapatan"
        ),
        "2.02",
    ),
    # Some sources print "biaya /belanja"; the space is dropped here.
    Code(
        "2.02.06",
        (
            "Penetapan/pelaksanaan kebijakan tidak tepat atau belum dilakukan berakibat "
            "peningkatan biaya/belanja"
        ),
        "2.02",
    ),
    Code("2.02.07", "Kelemahan pengelolaan fisik aset", "2.02"),
    Code("2.03", "Kelemahan struktur pengendalian intern", "2"),
    Code(
        "2.03.01",
        "Entitas tidak memiliki SOP yang formal untuk suatu prosedur atau keseluruhan prosedur",
        "2.03",
    ),
    Code(
        "2.03.02",
        "SOP yang ada pada entitas tidak berjalan secara optimal atau tidak ditaati",
        "2.03",
    ),
    Code("2.03.03", "Entitas tidak memiliki satuan pengawas intern", "2.03"),
    Code(
        "2.03.04",
        "Satuan pengawas intern yang ada tidak memadai atau tidak berjalan optimal",
        "2.03",
    ),
    Code("2.03.05", "Tidak ada pemisahan tugas dan fungsi yang memadai", "2.03"),
    # One source prints "Temuan 3E (Efektif, Efisien, dan Ekonomis)".
    Code("3", "Temuan 3E", None),
    Code("3.01", "Ketidakhematan/pemborosan/ketidakekonomisan", "3"),
    Code("3.01.01", "Pengadaan barang/jasa melebihi kebutuhan", "3.01"),
    Code(
        "3.01.02",
        "Penetapan kualitas dan kuantitas barang/jasa yang digunakan tidak sesuai standar",
        "3.01",
    ),
    Code("3.01.03", "Pemborosan keuangan negara/daerah/perusahaan atau kemahalan harga", "3.01"),
    Code("3.02", "Ketidakefisienan", "3"),
    Code(
        "3.02.01",
        (
            "Penggunaan kuantitas input untuk satu satuan output lebih besar/tinggi dari yang "
            "seharusnya"
        ),
        "3.02",
    ),
    Code(
        "3.02.02",
        "Penggunaan kualitas input untuk satu satuan output lebih tinggi dari seharusnya",
        "3.02",
    ),
    Code("3.03", "Ketidakefektifan", "3"),
    Code("3.03.01", "Penggunaan anggaran tidak tepat sasaran/tidak sesuai peruntukan", "3.03"),
    Code(
        "3.03.02",
        "Pemanfaatan barang/jasa dilakukan tidak sesuai dengan rencana yang ditetapkan",
        "3.03",
    ),
    Code("3.03.03", "Barang yang dibeli belum/tidak dapat dimanfaatkan", "3.03"),
    Code(
        "3.03.04",
        "Pemanfaatan barang/jasa tidak berdampak terhadap pencapaian tujuan organisasi",
        "3.03",
    ),
    Code(
        "3.03.05",
        (
            "Pelaksanaan kegiatan terlambat/terhambat sehingga mempengaruhi pencapaian tujuan "
            "organisasi"
        ),
        "3.03",
    ),
    Code("3.03.06", "Pelayanan kepada masyarakat tidak optimal", "3.03"),
    Code(
        "3.03.07",
        (
            "Fungsi atau tugas instansi yang diperiksa tidak diselenggarakan dengan baik termasuk"
            " target penerimaan tidak tercapai"
        ),
        "3.03",
    ),
    Code("3.03.08", "Penggunaan biaya promosi/pemasaran tidak efektif", "3.03"),
)

# No cause-code (kode sebab) list attributable to Keputusan BPK 5/K/I-XIII.2/8/2010 was found in
# any source that could be read, so none is given here rather than guessed. A second search (for
# an APIP list instead) also found nothing verifiable:
# * PermenPAN-RB 42/2011 as seeded in public code carries 89 finding codes and 14 recommendation
#   codes only; no seed list or readable copy shows cause codes in it.
# * Kep. Irjen Kemenhub KP-ITJEN 6 Tahun 2023 has "kode penyebab" in its Lampiran II, but only
#   its opening pages could be read (id.scribd.com document 670103950).
# * BPKP's older SimHP scheme ("100" KELEMAHAN PENGAWASAN MELEKAT ... "1107") has its detailed
#   codes in one project's dumps only (haidarvm/serj e4/assets/db/e4_db.sql and copies); a
#   separate SimHPPemda port confirms only the group names 00-10, not group 11 or the details.
# * A newer SPIP-based list (10 KELEMAHAN SISTEM PENGENDALIAN INTERN ... 23) appears in a single
#   Laravel PokokPenyebabSeeder with no stated source.
# Fill this in once a regulation's cause list can be read.
CAUSE_CODES: tuple[Code, ...] = ()

RECOMMENDATION_CODES: tuple[Code, ...] = (
    # Two sources misprint "masyarakat" as "masyararakat"; two others spell it
    # correctly, as here.
    Code("01", "Penyetoran ke kas negara/daerah, kas BUMN/D, dan masyarakat", None),
    Code("02", "Pengembalian barang kepada negara, daerah, BUMN/D, dan masyarakat", None),
    Code(
        "03",
        (
            "Perbaikan fisik barang/jasa dalam proses pembangunan atau penggantian barang/jasa "
            "oleh rekanan"
        ),
        None,
    ),
    Code("04", "Penghapusan barang milik negara/daerah", None),
    Code("05", "Pelaksanaan sanksi administrasi kepegawaian", None),
    Code("06", "Perbaikan laporan dan penertiban administrasi/kelengkapan administrasi", None),
    Code("07", "Perbaikan sistem dan prosedur akuntansi dan pelaporan", None),
    Code(
        "08",
        "Peningkatan kualitas dan kuantitas sumber daya manusia pendukung sistem pengendalian",
        None,
    ),
    Code("09", "Perubahan atau perbaikan prosedur, peraturan dan kebijakan", None),
    Code("10", "Perubahan atau perbaikan struktur organisasi", None),
    Code(
        "11",
        (
            "Koordinasi antar instansi termasuk juga penyerahan penanganan kasus kepada instansi "
            "yang berwenang"
        ),
        None,
    ),
    Code(
        "12",
        "Pelaksanaan penelitian oleh tim khusus atau audit lanjutan oleh unit pengawas intern",
        None,
    ),
    Code("13", "Pelaksanaan sosialisasi", None),
    Code("14", "Lain-lain", None),
)
