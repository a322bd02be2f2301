# Bahasa Indonesia: bahasa utama EMAS.

brand-tagline = Pemberdayaan PMI Purna Banten
skip-to-content = Langsung ke isi
nav-label = Menu utama
nav-home = Beranda
nav-regions = Wilayah
nav-users = Akun pengguna
nav-agencies = Instansi
nav-audit = Log audit
nav-tokens = Token API
nav-password = Ganti kata sandi
sign-in = Masuk
sign-out = Keluar
footer-fraud-warning = Waspada penipuan: petugas resmi tidak pernah meminta uang untuk penempatan, dokumen atau "bantuan". Laporkan ke kantor Disnaker atau UPT BP3MI terdekat.
back-home = Kembali ke beranda
save = Simpan
filter = Saring
actions = Tindakan
breadcrumbs = Jejak halaman
pages = Halaman
page = Halaman
previous = Sebelumnya
next = Berikutnya
form-has-errors = Formulir belum bisa disimpan. Periksa isian yang ditandai.
date-invalid = Tanggal tidak valid; gunakan format TTTT-BB-HH.

landing-title = EMAS: PMI Purna yang Ekonomi, Mandiri, Aman, Sejahtera
landing-lead = Sistem bersama Pemerintah Provinsi Banten, kabupaten/kota dan UPT BP3MI untuk mendata PMI Purna, menjalankan program pemberdayaan, dan mengukur hasilnya.
goal-ekonomi = Ekonomi: pendapatan pekerja dan keluarganya meningkat.
goal-mandiri = Mandiri: mandiri tanpa perlu bekerja ke luar negeri lagi.
goal-aman = Aman: aman dalam bekerja dan berusaha.
goal-sejahtera = Sejahtera: sejahtera bersama keluarga.

home-title = Beranda
home-greeting = Selamat datang
home-what-you-can-do = Yang dapat Anda lakukan
home-regions-help = Kode dan nama wilayah Kemendagri: provinsi, kabupaten/kota, kecamatan dan desa/kelurahan di Banten.
home-users-help = Buat akun, atur ulang kata sandi, nonaktifkan akun di wilayah Anda.
home-agencies-help = Instansi yang stafnya memakai EMAS.
home-audit-help = Siapa melakukan apa, pada data apa, dan kapan.
home-tokens-help = Token untuk sistem lain yang memakai API EMAS.
home-password-help = Ganti kata sandi Anda sendiri.

field-username = Nama pengguna
field-password = Kata sandi
field-current-password = Kata sandi sekarang
field-new-password = Kata sandi baru
field-confirm-password = Ulangi kata sandi baru
field-name = Nama
field-role = Peran
field-scope = Wilayah kerja
field-agency = Instansi
field-status = Status
field-code = Kode
field-kind = Jenis
field-region = Wilayah
field-region-code = Kode wilayah (kosongkan untuk tingkat nasional)

status-active = Aktif
status-inactive = Nonaktif
scope-national = Nasional
scope-invalid = Pilih wilayah kerja yang ada.
scope-outside-yours = Wilayah ini di luar wilayah kerja Anda.

signin-failed = Nama pengguna atau kata sandi salah.
signin-locked = Terlalu banyak percobaan gagal. Coba lagi dalam { $minutes } menit.
demo-accounts = Akun demo
demo-accounts-help = Server ini berjalan dalam mode demo dengan data rekaan. Semua akun di bawah memakai kata sandi

password-must-change = Kata sandi Anda dibuat oleh admin. Buat kata sandi Anda sendiri sebelum melanjutkan.
password-changed = Kata sandi sudah diganti. Sesi Anda di perangkat lain telah diakhiri.
password-rule = Minimal 10 karakter. Kalimat pendek yang mudah diingat lebih aman daripada kata yang rumit.
password-current-wrong = Kata sandi sekarang salah.
password-too-short = Kata sandi baru terlalu pendek (minimal 10 karakter).
password-too-long = Kata sandi baru terlalu panjang (maksimal 256 karakter).
password-same = Kata sandi baru harus berbeda dari yang sekarang.
password-mismatch = Kedua isian kata sandi baru tidak sama.

user-new = Akun baru
user-new-password-hint = EMAS membuat kata sandi sekali pakai yang ditampilkan satu kali setelah disimpan. Pemilik akun harus menggantinya saat pertama masuk.
user-created = Akun { $username } dibuat. Serahkan kata sandi sekali pakai ini kepada pemiliknya:
user-password-reset = Kata sandi { $username } diatur ulang dan semua sesinya diakhiri. Kata sandi sekali pakai:
user-reset-password = Atur ulang kata sandi
user-deactivate = Nonaktifkan
user-activate = Aktifkan
user-deactivate-confirm = Nonaktifkan akun ini? Semua sesinya langsung berakhir.
username-rule = 3–64 huruf kecil, angka, titik, tanda hubung atau garis bawah.
username-invalid = Nama pengguna tidak valid.
username-taken = Nama pengguna ini sudah dipakai.
name-required = Isi nama (maksimal 120 karakter).
role-invalid = Pilih peran yang ada.
agency-invalid = Pilih instansi yang ada.

agency-new = Instansi baru
agency-code-rule = Huruf kecil, angka dan tanda hubung, misalnya disnaker-kab-serang.
agency-code-invalid = Kode tidak valid.
agency-code-taken = Kode ini sudah dipakai instansi lain.
agency-kind-invalid = Pilih jenis instansi.
agency-region-rule = Kode Kemendagri, misalnya 36 (Banten) atau 36.04 (Kabupaten Serang).
region-unknown = Kode wilayah tidak dikenal.

audit-at = Waktu (UTC)
audit-actor = Pelaku
audit-action = Tindakan
audit-entity = Jenis data
audit-entity-id = ID data
audit-detail = Keterangan
audit-from = Dari tanggal
audit-until = Sampai tanggal
audit-empty = Tidak ada catatan yang cocok.

token-new = Token baru
token-issue = Terbitkan token
token-acts-as = Bertindak sebagai
token-created = Dibuat
token-last-used = Terakhir dipakai
token-revoke = Cabut
token-revoked = Dicabut
token-revoke-confirm = Cabut token ini? Sistem yang memakainya tidak bisa lagi mengakses EMAS.
token-shown-once = Salin token ini sekarang; EMAS tidak akan menampilkannya lagi.
token-user-invalid = Pilih akun aktif di wilayah kerja Anda.

regions-title = Wilayah Indonesia
regions-none-below = Tidak ada wilayah di bawah wilayah ini dalam data rujukan.

error-request-id = ID permintaan
error-sign-in-required = Silakan masuk terlebih dahulu.
error-forbidden = Anda tidak berhak membuka halaman ini.
error-not-found = Halaman atau data yang Anda cari tidak ada.
error-bad-form = Isian formulir tidak dapat dibaca.
error-csrf = Formulir kedaluwarsa atau tidak berasal dari EMAS. Muat ulang halaman lalu coba lagi.
error-too-large = Kiriman terlalu besar.
error-internal = Terjadi kesalahan pada server. Sebutkan ID permintaan ini kepada admin.
status-400 = Permintaan tidak valid
status-401 = Perlu masuk
status-403 = Akses ditolak
status-404 = Tidak ditemukan
status-408 = Waktu habis
status-413 = Kiriman terlalu besar
status-500 = Kesalahan server

role-admin = Admin
role-registrar = Petugas pendataan
role-programme-officer = Petugas program
role-trainer = Pelatih
role-mentor = Pendamping
role-case-worker = Petugas kasus
role-analyst = Analis
role-coordinator = Koordinator
role-moderator = Moderator
role-partner-officer = Petugas instansi mitra
role-participant = Peserta (PMI Purna)

agency-kind-national-agency = Badan nasional / UPT BP3MI
agency-kind-province-bureau = Biro pemerintah provinsi
agency-kind-labour-office = Dinas Tenaga Kerja
agency-kind-cooperative-office = Dinas Koperasi dan UMKM
agency-kind-bank = Bank
agency-kind-training-centre = Balai pelatihan
agency-kind-ngo = Organisasi masyarakat
agency-kind-operator = Pengelola EMAS
