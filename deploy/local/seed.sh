#!/usr/bin/env bash
# Loads the demo data of deploy/local/demo/ into a running registry. Safe to run any number of times:
# a donor is looked up by its first identity document before it is created (so a re-run, even after
# the registry has forgotten request ids, creates nothing), donations are idempotent on their
# external_ref, and a deferral is created only when none with its external_ref exists.
# Writes var/demo-donors.tsv: the demo request id of each donor and the donor's resource name.
# Calls as the demo coordinator (var/secrets/coordinator.token, made by up.sh).
#
#   deploy/local/seed.sh [REGISTRY_ADDR]      (default 127.0.0.1:50051)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

addr=${1:-127.0.0.1:50051}
demo=$root/deploy/local/demo
registry=blooddrive.v1.DonorRegistry

# Runs one RPC; on failure prints what was asked and the server's error, and stops the seeding.
rpc() {
  local method=$1 request=$2 out
  # shellcheck disable=SC2046  # one flag per line
  if ! out=$("$call_bin" $(call_flags coordinator) --addr="$addr" --timeout=5s "$registry/$method" "$request" 2>&1); then
    echo "seed: $method failed: $out" >&2
    echo "seed: request was: $request" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

declare -A donor_names
donors_new=0 donors_old=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  id=$(jq -r .requestId <<<"$line")
  found=$(rpc FindDonors "$(jq -c '{document: .donor.documents[0]}' <<<"$line")")
  name=$(jq -r '.donors[0].name // empty' <<<"$found")
  if [ -n "$name" ]; then
    donors_old=$((donors_old + 1))
  else
    name=$(rpc CreateDonor "$line" | jq -r .name)
    donors_new=$((donors_new + 1))
  fi
  donor_names[$id]=$name
  printf '%s\t%s\n' "$id" "$name"
done <"$demo/donors.jsonl" >"$var_dir/demo-donors.tsv.part"
mv "$var_dir/demo-donors.tsv.part" "$var_dir/demo-donors.tsv"

donations=0 deferrals_new=0 deferrals_old=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  donor=$(jq -r .donor <<<"$line")
  parent=${donor_names[$donor]:-}
  if [ -z "$parent" ]; then
    echo "seed: history.jsonl names unknown donor '$donor'" >&2
    exit 1
  fi
  method=$(jq -r .method <<<"$line")
  request=$(jq -c --arg p "$parent" '.request + {parent: $p}' <<<"$line")
  case "$method" in
    RecordDonation)
      rpc RecordDonation "$request" >/dev/null
      donations=$((donations + 1))
      ;;
    CreateDeferral)
      ref=$(jq -r .request.deferral.externalRef <<<"$line")
      existing=$(rpc ListDeferrals "$(jq -nc --arg p "$parent" \
        '{parent: $p, includeLifted: true, pageSize: 500}')")
      if jq -e --arg r "$ref" '[.deferrals[]? | select(.externalRef == $r)] | length > 0' \
        <<<"$existing" >/dev/null; then
        deferrals_old=$((deferrals_old + 1))
      else
        rpc CreateDeferral "$request" >/dev/null
        deferrals_new=$((deferrals_new + 1))
      fi
      ;;
    *)
      echo "seed: history.jsonl has unknown method '$method'" >&2
      exit 1
      ;;
  esac
done <"$demo/history.jsonl"

echo "demo data: $((donors_new + donors_old)) donors ($donors_new new, $donors_old already there)," \
  "$donations donations, $((deferrals_new + deferrals_old)) deferrals ($deferrals_new new)"
