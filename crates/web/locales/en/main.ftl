# English: EMAS's second language.

brand-tagline = Empowering returned migrant workers of Banten
skip-to-content = Skip to content
nav-label = Main menu
nav-home = Home
nav-regions = Regions
nav-users = User accounts
nav-agencies = Agencies
nav-audit = Audit log
nav-tokens = API tokens
nav-password = Change password
sign-in = Sign in
sign-out = Sign out
footer-fraud-warning = Beware of fraud: officials never ask for money for placement, documents or "help". Report it to the nearest labour office (Disnaker) or BP3MI service unit.
back-home = Back to the home page
save = Save
filter = Filter
actions = Actions
breadcrumbs = Breadcrumbs
pages = Pages
page = Page
previous = Previous
next = Next
form-has-errors = The form could not be saved. Check the marked fields.
date-invalid = Invalid date; use the format YYYY-MM-DD.

landing-title = EMAS: returned migrant workers who are Economically secure, Independent, Safe and Prosperous
landing-lead = A shared system of Banten province, its regencies and cities and the BP3MI service unit to register returned migrant workers, run the empowerment programme and measure its results.
goal-ekonomi = Ekonomi: the income of the worker and the family rises.
goal-mandiri = Mandiri: independent, with no need to work abroad again.
goal-aman = Aman: safe in work and in business.
goal-sejahtera = Sejahtera: prosperous, together with the family.

home-title = Home
home-greeting = Welcome
home-what-you-can-do = What you can do
home-regions-help = Kemendagri region codes and names: provinces, regencies and cities, and Banten's districts and villages.
home-users-help = Create accounts, reset passwords, deactivate accounts in your region.
home-agencies-help = The agencies whose staff use EMAS.
home-audit-help = Who did what, to which record, and when.
home-tokens-help = Tokens for other systems that use the EMAS API.
home-password-help = Change your own password.

field-username = User name
field-password = Password
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password
field-name = Name
field-role = Role
field-scope = Region of work
field-agency = Agency
field-status = Status
field-code = Code
field-kind = Kind
field-region = Region
field-region-code = Region code (leave empty for the national level)

status-active = Active
status-inactive = Deactivated
scope-national = National
scope-invalid = Choose an existing region of work.
scope-outside-yours = This region is outside your own region of work.

signin-failed = Wrong user name or password.
signin-locked = Too many failed attempts. Try again in { $minutes } minutes.
demo-accounts = Demo accounts
demo-accounts-help = This server runs in demo mode with made-up data. Every account below uses the password

password-must-change = An admin set your password. Choose your own before you go on.
password-changed = Your password was changed. Your sessions on other devices were ended.
password-rule = At least 10 characters. A short sentence you remember is safer than a complicated word.
password-current-wrong = The current password is wrong.
password-too-short = The new password is too short (at least 10 characters).
password-too-long = The new password is too long (at most 256 characters).
password-same = The new password must differ from the current one.
password-mismatch = The two new passwords are not the same.

user-new = New account
user-new-password-hint = EMAS makes a one-time password, shown once after saving. The holder must change it at first sign-in.
user-created = Account { $username } created. Hand this one-time password to its holder:
user-password-reset = The password of { $username } was reset and all their sessions ended. One-time password:
user-reset-password = Reset password
user-deactivate = Deactivate
user-activate = Activate
user-deactivate-confirm = Deactivate this account? All its sessions end at once.
username-rule = 3–64 lower-case letters, digits, dots, hyphens or underscores.
username-invalid = Invalid user name.
username-taken = This user name is taken.
name-required = Enter a name (at most 120 characters).
role-invalid = Choose an existing role.
agency-invalid = Choose an existing agency.

agency-new = New agency
agency-code-rule = Lower-case letters, digits and hyphens, e.g. disnaker-kab-serang.
agency-code-invalid = Invalid code.
agency-code-taken = Another agency has this code.
agency-kind-invalid = Choose a kind of agency.
agency-region-rule = A Kemendagri code, e.g. 36 (Banten) or 36.04 (Serang Regency).
region-unknown = Unknown region code.

audit-at = Time (UTC)
audit-actor = Actor
audit-action = Action
audit-entity = Record type
audit-entity-id = Record id
audit-detail = Detail
audit-from = From date
audit-until = Until date
audit-empty = No matching lines.

token-new = New token
token-issue = Issue token
token-acts-as = Acts as
token-created = Created
token-last-used = Last used
token-revoke = Revoke
token-revoked = Revoked
token-revoke-confirm = Revoke this token? Systems that use it lose access to EMAS.
token-shown-once = Copy this token now; EMAS will not show it again.
token-user-invalid = Choose an active account within your region of work.

regions-title = Regions of Indonesia
regions-none-below = The reference data holds no regions below this one.

error-request-id = Request id
error-sign-in-required = Please sign in first.
error-forbidden = You may not open this page.
error-not-found = The page or record you are looking for does not exist.
error-bad-form = The form could not be read.
error-csrf = The form expired or did not come from EMAS. Reload the page and try again.
error-too-large = The request is too large.
error-internal = Something went wrong on the server. Tell an admin this request id.
status-400 = Bad request
status-401 = Sign-in required
status-403 = Forbidden
status-404 = Not found
status-408 = Timed out
status-413 = Too large
status-500 = Server error

role-admin = Admin
role-registrar = Registrar
role-programme-officer = Programme officer
role-trainer = Trainer
role-mentor = Mentor
role-case-worker = Case worker
role-analyst = Analyst
role-coordinator = Coordinator
role-moderator = Moderator
role-partner-officer = Partner-agency officer
role-participant = Participant (returned worker)

agency-kind-national-agency = National agency / BP3MI unit
agency-kind-province-bureau = Provincial bureau
agency-kind-labour-office = Labour office (Disnaker)
agency-kind-cooperative-office = Cooperative and SME office
agency-kind-bank = Bank
agency-kind-training-centre = Training centre
agency-kind-ngo = Civil-society organisation
agency-kind-operator = EMAS operator
