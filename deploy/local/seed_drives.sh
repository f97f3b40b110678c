#!/usr/bin/env bash
# Plans the demo drives of the Astana branch with blooddrive-coordinator, as a coordinator would:
# the Old Town blood centre and a mobile unit (sites), a drive at Old Town today (while its day is
# not over) and tomorrow, and a mobile drive at a university the day after; each published, and a
# few demo donors booked. Running it again (up.sh does, on every start) changes nothing: sites and
# drives are looked up first, and every call carries a request id derived from the day. Writes
# var/demo-drives.tsv: "<key>\t<drive name>".
#
#   deploy/local/seed_drives.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

zone=Asia/Almaty  # Astana's clock
today=$(TZ=$zone date +%Y-%m-%d)
tomorrow=$(TZ=$zone date -d tomorrow +%Y-%m-%d)
in_two_days=$(TZ=$zone date -d '2 days' +%Y-%m-%d)

coordinator() {
  # shellcheck disable=SC2046  # one flag per line
  "$coordinator_bin" $(cli_flags coordinator) --json "$@"
}

# Runs a coordinator command whose retry is a replay; stops the seeding on any other failure.
must() {
  local out
  if ! out=$(coordinator "$@" 2>&1); then
    echo "seed: blooddrive-coordinator $* failed: $out" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

# A site is created with the id staff know it by; an existing site (made by an earlier run under
# another request id) is kept as it is.
site() {
  local id=$1
  shift
  coordinator site show "$id" >/dev/null 2>&1 || must site create --id="$id" --request-id="demo-site-$id" "$@" >/dev/null
}
site astana-old-town --name="Old Town blood centre" --kind=fixed --branch=kz-astana \
  --address="Auezov St 42, Astana" --lat=51.1605 --lng=71.4704 --time-zone=$zone
site astana-mobile --name="Mobile blood unit (bus)" --kind=mobile --branch=kz-astana \
  --address="Republic Ave 8, Astana" --lat=51.1801 --lng=71.4460 --time-zone=$zone

# A published drive at SITE on DATE (the one made by an earlier run, if any); prints its name.
drive() {
  local key=$1 site=$2 date=$3 name
  shift 3
  name=$(must drive list --site="$site" --from="$date" --to="$date" --state=draft --state=published |
    jq -r '.name' | head -n 1)
  [ -n "$name" ] || name=$(must drive create --request-id="demo-drive-$key" --site="$site" --date="$date" "$@" | jq -r .name)
  if [ "$(must drive show "$name" | jq -r .state)" != DRIVE_STATE_PUBLISHED ]; then
    must drive publish "$name" --request-id="demo-publish-$key" >/dev/null
  fi
  echo "$name"
}
old_town_hours=(--window=08:00-13:00 --window=14:00-20:00 --slot-minutes=20
  --capacity=whole-blood=3 --capacity=plasma=1 --walk-in-reserve=whole-blood=1
  --target=O+=20 --target=O-=6 --target=A+=12 --target=A-=3 --target=B+=10 --target=AB+=4)

# Today's drive only while a slot of it is still ahead (Astana is UTC+5).
now_minutes=$((10#$(TZ=$zone date +%H) * 60 + 10#$(TZ=$zone date +%M)))
{
  if [ "$now_minutes" -lt $((19 * 60 + 30)) ]; then
    printf 'old-town-today\t%s\n' "$(drive "old-town-$today" astana-old-town "$today" "${old_town_hours[@]}")"
  fi
  printf 'old-town-tomorrow\t%s\n' "$(drive "old-town-$tomorrow" astana-old-town "$tomorrow" "${old_town_hours[@]}")"
  printf 'mobile\t%s\n' "$(drive "mobile-$in_two_days" astana-mobile "$in_two_days" \
    --name="Blood drive at the Eurasian National University" \
    --sponsor="L.N. Gumilyov Eurasian National University" \
    --venue="Main building, Satpayev St 2, hall B" --venue-location 51.1623 71.4289 \
    --window=10:00-16:00 --slot-minutes=15 --capacity=whole-blood=4 --target=O+=15 --target=O-=5 \
    --target=A+=10 --target=B+=8)"
} >"$var_dir/demo-drives.tsv.part"
mv "$var_dir/demo-drives.tsv.part" "$var_dir/demo-drives.tsv"
drive_of() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$var_dir/demo-drives.tsv"; }
donor_of() { awk -F'\t' -v id="$1" '$1 == id { print $2 }' "$var_dir/demo-donors.tsv"; }

# Books a demo donor (the booking's request id is per donor and day: a re-run is a replay).
book() {
  local drive=$1 time=$2 who=$3 day=$4
  coordinator book --drive="$drive" --time="$time" --donor="$(donor_of "demo-donor-$who")" \
    --request-id="demo-booking-$who-$day" >/dev/null 2>&1 && return 0
  echo "   (demo booking of $who at $time on $day not made; see: blooddrive-coordinator bookings --donor=$(donor_of "demo-donor-$who"))" >&2
}
# The first 20-minute slot of Old Town's day that starts at least 15 minutes from now, HH:MM.
next_slot() {
  local m=$((now_minutes + 15)) start
  for start in $(seq $((8 * 60)) 20 $((19 * 60 + 40))); do
    [ "$start" -ge $((13 * 60)) ] && [ "$start" -lt $((14 * 60)) ] && continue
    if [ "$start" -ge "$m" ]; then
      printf '%02d:%02d\n' $((start / 60)) $((start % 60))
      return
    fi
  done
}
today_drive=$(drive_of old-town-today)
if [ -n "$today_drive" ] && slot=$(next_slot) && [ -n "$slot" ]; then
  book "$today_drive" "$slot" aigerim "$today"
  book "$today_drive" "$slot" jasur "$today"
fi
book "$(drive_of old-town-tomorrow)" 09:00 olga "$tomorrow"
book "$(drive_of old-town-tomorrow)" 09:20 dmitry "$tomorrow"

echo "demo drives: $(wc -l <"$var_dir/demo-drives.tsv") published at sites/astana-old-town and sites/astana-mobile"
