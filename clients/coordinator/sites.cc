// `site create|list|show`: the places drives happen at.
//
// Output (stable; tests/e2e reads it):
//   site create   "Created site sites/{id} ({display name})."; --json: the Site.
//   site list     table SITE | NAME | KIND | BRANCH | TIME ZONE | ADDRESS, one row per site ordered
//                 by name, SITE as "sites/{id}"; --json: one Site per line.
//   site show     "Field:  value" lines: Site, Name, Kind, Branch, Address, Location, Time zone,
//                 Rule pack, Created; --json: the Site.
// A site is given as "astana-old-town" or "sites/astana-old-town".
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator.h"

namespace blooddrive::coordinator {
namespace {

using cli::Session;

struct CreateSiteOptions {
  std::string id;
  std::string name;
  std::string address;
  double lat = 0;
  double lng = 0;
  std::string time_zone;
  std::string branch;
  std::string kind;
  std::string rule_pack;
  std::string request_id;
};

std::string KindLabel(v1::SiteKind kind) { return cli::EnumLabel(v1::SiteKind_descriptor(), kind); }

void PrintSite(Session& session, const v1::Site& site) {
  if (session.json()) return PrintJson(site);
  absl::TimeZone zone = LoadZoneOrUtc(site.time_zone());
  cli::PrintFields(
      std::cout,
      {{"Site", site.name()},
       {"Name", site.display_name()},
       {"Kind", KindLabel(site.kind())},
       {"Branch", site.branch()},
       {"Address", site.address()},
       {"Location",
        absl::StrFormat("%.5f, %.5f", site.location().latitude(), site.location().longitude())},
       {"Time zone", site.time_zone()},
       {"Rule pack", site.rule_pack().empty() ? "(the active pack)" : site.rule_pack()},
       {"Created", site.has_create_time() ? cli::FormatLocal(site.create_time(), zone) : ""}});
}

void CreateSite(Session& session, const CreateSiteOptions& o) {
  v1::CreateSiteRequest request;
  request.set_request_id(RequestIdOrNew(o.request_id));
  if (!o.id.empty()) request.set_site_id(cli::ResourceName("sites", o.id).substr(6));
  v1::Site& site = *request.mutable_site();
  site.set_display_name(o.name);
  site.set_address(o.address);
  site.mutable_location()->set_latitude(o.lat);
  site.mutable_location()->set_longitude(o.lng);
  site.set_time_zone(o.time_zone);
  site.set_branch(o.branch);
  int kind = 0;
  if (!Parsed(session, cli::ParseEnumLabel(v1::SiteKind_descriptor(), o.kind), &kind)) return;
  site.set_kind(static_cast<v1::SiteKind>(kind));
  if (!o.rule_pack.empty()) site.set_rule_pack(cli::ResourceName("rulePacks", o.rule_pack));
  v1::Site created;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::CreateSite,
                       request, &created)) {
    return;
  }
  if (session.json()) return PrintJson(created);
  std::cout << "Created site " << created.name() << " (" << created.display_name() << ")."
            << std::endl;
}

void ListSites(Session& session, const std::string& branch, const std::string& kind_text) {
  v1::ListSitesRequest request;
  request.set_branch(branch);
  if (!kind_text.empty()) {
    int kind = 0;
    if (!Parsed(session, cli::ParseEnumLabel(v1::SiteKind_descriptor(), kind_text), &kind)) return;
    request.set_kind(static_cast<v1::SiteKind>(kind));
  }
  request.set_page_size(500);
  cli::Table table({"SITE", "NAME", "KIND", "BRANCH", "TIME ZONE", "ADDRESS"});
  do {
    v1::ListSitesResponse response;
    if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::ListSites,
                         request, &response)) {
      return;
    }
    for (const v1::Site& site : response.sites()) {
      if (session.json()) {
        PrintJson(site);
        continue;
      }
      table.AddRow({site.name(), site.display_name(), KindLabel(site.kind()), site.branch(),
                    site.time_zone(), site.address()});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (!session.json()) table.Print(std::cout);
}

void ShowSite(Session& session, const std::string& text) {
  v1::GetSiteRequest request;
  request.set_name(cli::ResourceName("sites", text));
  v1::Site site;
  if (!cli::CallOrFail(session, session.scheduling(), &v1::DriveScheduling::Stub::GetSite, request,
                       &site)) {
    return;
  }
  PrintSite(session, site);
}

}  // namespace

void AddSiteCommands(CLI::App& app, Session& session) {
  CLI::App* group = app.add_subcommand("site", "Sites: blood centres and mobile venues");
  group->require_subcommand(1);

  auto create = std::make_shared<CreateSiteOptions>();
  CLI::App* c = group->add_subcommand("create", "Create a site");
  c->add_option("--id", create->id,
                "The id staff know it by, [a-z0-9-] up to 32 characters, e.g. astana-old-town "
                "(default: one assigned by the server)");
  c->add_option("--name", create->name, "Name shown to donors")->required();
  c->add_option("--address", create->address, "Postal address, any script")->required();
  c->add_option("--lat", create->lat, "Latitude, WGS 84 degrees")->required()->check(Degrees(90));
  c->add_option("--lng", create->lng, "Longitude, WGS 84 degrees")->required()->check(Degrees(180));
  c->add_option("--time-zone", create->time_zone, "IANA time zone, e.g. Asia/Almaty")->required();
  c->add_option("--branch", create->branch, "Branch id, e.g. kz-astana")->required();
  c->add_option("--kind", create->kind, "fixed (a clinic) or mobile (a bus, a venue)")->required();
  c->add_option("--rule-pack", create->rule_pack,
                "Rule pack for eligibility checks (default: the service's active pack)");
  AddRequestIdOption(*c, create->request_id);
  c->callback([&session, create] { CreateSite(session, *create); });

  auto branch = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  CLI::App* l = group->add_subcommand("list", "List sites");
  l->add_option("--branch", *branch, "Only this branch's sites");
  l->add_option("--kind", *kind, "Only fixed or mobile sites");
  l->callback([&session, branch, kind] { ListSites(session, *branch, *kind); });

  auto site = std::make_shared<std::string>();
  CLI::App* s = group->add_subcommand("show", "Show one site");
  s->add_option("site", *site, "SITE: astana-old-town or sites/astana-old-town")->required();
  s->callback([&session, site] { ShowSite(session, *site); });
}

}  // namespace blooddrive::coordinator
