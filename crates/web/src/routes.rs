//! The route table: every page route with the one [`Action`] that guards it. The router is built
//! from this table and the authorization test matrix walks the same table, so the two cannot
//! drift apart. The API's routes live in `api` and are guarded the same way.

use axum::Router;
use axum::http::Method;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};

use crate::App;
use crate::auth::guard;
use crate::authz::Action;
use crate::pages::{
    account, admin, dashboard, departed, home, imports, participants, people, pipeline, programmes,
    public, referrals, regions, resolve, review, signin, surveys,
};

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Guarded(Action),
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: MethodRouter<App>,
}

fn route(method: Method, path: &'static str, access: Access, handler: MethodRouter<App>) -> Route {
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// Every page route.
#[rustfmt::skip] // a table reads best as one route per line
pub fn page_routes() -> Vec<Route> {
    use Access::{Guarded, Public};
    use Action::*;
    vec![
        route(Method::GET, "/", Public, get(home::index)),
        route(Method::GET, "/healthz", Public, get(home::healthz)),
        route(Method::GET, "/readyz", Public, get(home::readyz)),
        route(Method::POST, "/lang", Public, post(home::set_language)),
        route(Method::GET, "/public/emas", Public, get(public::emas)),
        route(Method::GET, "/sign-in", Public, get(signin::form)),
        route(Method::POST, "/sign-in", Public, post(signin::submit)),
        route(Method::POST, "/sign-out", Guarded(SignedIn), post(signin::sign_out)),
        route(Method::GET, "/account/password", Guarded(SignedIn), get(account::password_form)),
        route(Method::POST, "/account/password", Guarded(SignedIn), post(account::change_password)),
        route(Method::GET, "/regions", Guarded(ViewReference), get(regions::index)),
        route(Method::GET, "/regions/{code}", Guarded(ViewReference), get(regions::show)),
        route(Method::GET, "/people", Guarded(ViewPeople), get(people::search)),
        route(Method::GET, "/people/new", Guarded(EditPeople), get(people::new_form)),
        route(Method::GET, "/people/export/{format}", Guarded(ViewPeople), get(people::export)),
        route(Method::POST, "/people", Guarded(EditPeople), post(people::create)),
        route(Method::GET, "/people/{id}", Guarded(ViewPeople), get(people::show)),
        route(Method::GET, "/people/{id}/edit", Guarded(EditPeople), get(people::edit_form)),
        route(Method::POST, "/people/{id}", Guarded(EditPeople), post(people::update)),
        route(Method::POST, "/people/{id}/placements", Guarded(EditPeople), post(people::add_placement)),
        route(Method::POST, "/people/{id}/consents", Guarded(EditPeople), post(people::add_consent)),
        route(Method::POST, "/people/{id}/merge", Guarded(ResolvePeople), post(resolve::merge)),
        route(Method::POST, "/people/{id}/split", Guarded(ResolvePeople), post(resolve::split)),
        route(Method::GET, "/people/changes/{id}/undo", Guarded(ResolvePeople), get(resolve::undo_preview)),
        route(Method::POST, "/people/changes/{id}/undo", Guarded(ResolvePeople), post(resolve::undo)),
        route(Method::GET, "/imports", Guarded(ImportLists), get(imports::index)),
        route(Method::POST, "/imports", Guarded(ImportLists), post(imports::upload)),
        route(Method::GET, "/imports/{id}", Guarded(ImportLists), get(imports::show)),
        route(Method::GET, "/imports/{id}/progress", Guarded(ImportLists), get(imports::progress)),
        route(Method::GET, "/imports/{id}/errors.csv", Guarded(ImportLists), get(imports::error_rows)),
        route(Method::POST, "/imports/{id}/commit", Guarded(ImportLists), post(imports::commit)),
        route(Method::POST, "/imports/{id}/mapping", Guarded(ImportLists), post(imports::set_mapping)),
        route(Method::POST, "/imports/{id}/cancel", Guarded(ImportLists), post(imports::cancel)),
        route(Method::POST, "/imports/{id}/undo", Guarded(ImportLists), post(imports::undo)),
        route(Method::GET, "/review", Guarded(ResolvePeople), get(review::index)),
        route(Method::GET, "/review/next", Guarded(ResolvePeople), get(review::next)),
        route(Method::GET, "/review/{id}", Guarded(ResolvePeople), get(review::show)),
        route(Method::POST, "/review/{id}/decide", Guarded(ResolvePeople), post(review::decide)),
        // the pipeline and businesses
        route(Method::GET, "/pipeline", Guarded(ViewProgrammes), get(pipeline::board)),
        route(Method::GET, "/dashboard", Guarded(ViewOutcomes), get(dashboard::show)),
        route(Method::GET, "/dashboard/report.{format}", Guarded(ViewOutcomes), get(dashboard::report)),
        route(Method::GET, "/pipeline/departed", Guarded(ViewProgrammes), get(departed::list)),
        route(Method::GET, "/kbli", Guarded(ViewProgrammes), get(pipeline::kbli_page)),
        route(Method::GET, "/participants/{id}", Guarded(ViewProgrammes), get(pipeline::show)),
        route(Method::POST, "/participants/{id}/stage", Guarded(MoveStages), post(pipeline::move_stage)),
        route(Method::POST, "/stage-changes/{id}/revert", Guarded(MoveStages), post(pipeline::revert)),
        route(Method::POST, "/participants/{id}/business", Guarded(ManageBusinesses), post(pipeline::save_business)),
        route(Method::POST, "/participants/{id}/owners", Guarded(ManageBusinesses), post(pipeline::add_owner)),
        route(Method::POST, "/participants/{id}/months", Guarded(ManageBusinesses), post(pipeline::add_month)),
        route(Method::POST, "/participants/{id}/capital", Guarded(ManageBusinesses), post(pipeline::add_capital)),
        route(Method::POST, "/participants/{id}/visits", Guarded(ManageBusinesses), post(pipeline::add_visit)),
        route(Method::GET, "/admin/users", Guarded(ManageAccounts), get(admin::users)),
        route(Method::GET, "/admin/users/new", Guarded(ManageAccounts), get(admin::new_user_form)),
        route(Method::POST, "/admin/users", Guarded(ManageAccounts), post(admin::create_user)),
        route(Method::POST, "/admin/users/{id}/password", Guarded(ManageAccounts), post(admin::reset_password)),
        route(Method::POST, "/admin/users/{id}/active", Guarded(ManageAccounts), post(admin::set_active)),
        route(Method::GET, "/admin/agencies", Guarded(ManageAgencies), get(admin::agencies)),
        route(Method::POST, "/admin/agencies", Guarded(ManageAgencies), post(admin::create_agency)),
        route(Method::GET, "/admin/audit", Guarded(ViewAudit), get(admin::audit)),
        route(Method::GET, "/admin/tokens", Guarded(ManageApiTokens), get(admin::tokens)),
        route(Method::POST, "/admin/tokens", Guarded(ManageApiTokens), post(admin::issue_token)),
        route(Method::POST, "/admin/tokens/{id}/revoke", Guarded(ManageApiTokens), post(admin::revoke_token)),
        // Referrals and participants' accounts.
        route(Method::GET, "/referrals", Guarded(HandleReferrals), get(referrals::index)),
        route(Method::GET, "/referrals/{id}", Guarded(HandleReferrals), get(referrals::show)),
        route(Method::POST, "/referrals/{id}/status", Guarded(HandleReferrals), post(referrals::set_status)),
        route(Method::GET, "/people/{id}/refer", Guarded(Refer), get(referrals::refer_form)),
        route(Method::POST, "/people/{id}/refer", Guarded(Refer), post(referrals::refer_submit)),
        route(Method::GET, "/admin/agencies/{id}/services", Guarded(ManageAgencies), get(referrals::services)),
        route(Method::POST, "/admin/agencies/{id}/services", Guarded(ManageAgencies), post(referrals::set_services)),
        route(Method::GET, "/people/{id}/participant-account", Guarded(ManageProgrammes), get(participants::account_form)),
        route(Method::POST, "/people/{id}/participant-account", Guarded(ManageProgrammes), post(participants::issue_link)),
        route(Method::GET, "/set-password/{token}", Public, get(participants::set_password_form)),
        route(Method::POST, "/set-password/{token}", Public, post(participants::set_password)),
        route(Method::GET, "/me", Guarded(OwnProgress), get(participants::me)),
        route(Method::POST, "/me/business/{id}/months", Guarded(OwnProgress), post(participants::record_month)),
        // Outcome surveys and the EMAS index.
        route(Method::GET, "/surveys/due", Guarded(TakeSurveys), get(surveys::due)),
        route(Method::GET, "/participants/{id}/surveys", Guarded(TakeSurveys), get(surveys::list)),
        route(Method::GET, "/participants/{id}/surveys/{wave}", Guarded(TakeSurveys), get(surveys::form)),
        route(Method::POST, "/participants/{id}/surveys/{wave}", Guarded(TakeSurveys), post(surveys::submit)),
        route(Method::GET, "/me/surveys", Guarded(OwnProgress), get(surveys::own_list)),
        route(Method::GET, "/me/surveys/{id}", Guarded(OwnProgress), get(surveys::own_enrolment)),
        route(Method::GET, "/me/surveys/{id}/{wave}", Guarded(OwnProgress), get(surveys::own_form)),
        route(Method::POST, "/me/surveys/{id}/{wave}", Guarded(OwnProgress), post(surveys::own_submit)),
        route(Method::GET, "/admin/umk", Guarded(ManageIndex), get(surveys::umk)),
        route(Method::POST, "/admin/umk", Guarded(ManageIndex), post(surveys::save_umk)),
        route(Method::GET, "/admin/index", Guarded(ManageIndex), get(surveys::index_config)),
        route(Method::POST, "/admin/index", Guarded(ManageIndex), post(surveys::save_index_config)),
        // The programme: programmes, tracks, cohorts, sessions, enrolment, attendance.
        route(Method::GET, "/programmes", Guarded(ViewProgrammes), get(programmes::index)),
        route(Method::POST, "/programmes", Guarded(ManageProgrammes), post(programmes::create)),
        route(Method::GET, "/programmes/{id}", Guarded(ViewProgrammes), get(programmes::show)),
        route(Method::POST, "/programmes/{id}/tracks", Guarded(ManageProgrammes), post(programmes::add_track)),
        route(Method::POST, "/programmes/{id}/partners", Guarded(ManageProgrammes), post(programmes::add_partner)),
        route(Method::POST, "/tracks/{id}/cohorts", Guarded(ManageProgrammes), post(programmes::create_cohort)),
        route(Method::GET, "/cohorts/{id}", Guarded(ViewProgrammes), get(programmes::cohort)),
        route(Method::GET, "/cohorts/{id}/participants.xlsx", Guarded(ViewProgrammes), get(programmes::participants_xlsx)),
        route(Method::POST, "/cohorts/{id}/sessions", Guarded(ManageProgrammes), post(programmes::add_session)),
        route(Method::POST, "/cohorts/{id}/enrol", Guarded(ManageProgrammes), post(programmes::enrol)),
        route(Method::POST, "/cohorts/{id}/scores", Guarded(TakeAttendance), post(programmes::scores)),
        route(Method::GET, "/sessions/{id}/attendance", Guarded(TakeAttendance), get(programmes::attendance)),
        route(Method::POST, "/sessions/{id}/attendance", Guarded(TakeAttendance), post(programmes::take_attendance)),
        route(Method::GET, "/sessions/{id}/attendance.xlsx", Guarded(ViewProgrammes), get(programmes::attendance_xlsx)),
    ]
}

/// Puts a route behind the guard of its action.
pub fn guarded(handler: MethodRouter<App>, access: Access) -> MethodRouter<App> {
    match access {
        Access::Public => handler,
        Access::Guarded(action) => {
            handler.route_layer(middleware::from_fn_with_state(action, guard))
        }
    }
}

pub fn page_router() -> Router<App> {
    page_routes().into_iter().fold(Router::new(), |router, r| {
        router.route(r.path, guarded(r.handler, r.access))
    })
}
