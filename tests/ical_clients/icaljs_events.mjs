// Read an iCalendar body (a file argument, or stdin) with Mozilla's ical.js, as Thunderbird does,
// and print each VEVENT as JSON: uid, sequence, status, summary, start/end (UTC epoch seconds).
// Every VTIMEZONE of the body is registered first, so TZID times resolve through ical.js's own rules;
// a time that stays floating (no zone ical.js knows) is reported as such rather than guessed.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const VERSION = JSON.parse(readFileSync(new URL("./node_modules/ical.js/package.json", import.meta.url))).version;

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));

for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}

function zoneOf(time) {
  if (time.zone === ICAL.Timezone.utcTimezone) return "UTC";
  if (time.zone === ICAL.Timezone.localTimezone || !time.zone) return "floating";
  return time.zone.tzid;
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence ?? 0,
    status: vevent.getFirstPropertyValue("status"),
    summary: event.summary,
    start: event.startDate.toUnixTime(),
    end: event.endDate.toUnixTime(),
    start_zone: zoneOf(event.startDate),
    end_zone: zoneOf(event.endDate),
  };
});

process.stdout.write(JSON.stringify({ parser: `ical.js ${VERSION}`, events }) + "\n");
