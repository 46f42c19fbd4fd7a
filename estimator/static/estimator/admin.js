/* Admin pages: date shortcuts in the browser's own day, without the server-time note.
 *
 * Django admin compares the browser's UTC offset with the server's (data-admin-utc-offset on
 * <body>) and, when they differ, puts "Note: You are N hours behind server time" under every
 * date field and moves "Today" to the server's day. The server's zone means nothing to the
 * front desk: a price's first day and a session's date are days where the clinic is, and a
 * member of staff's browser is there. Dropping the offset before the admin's calendar script
 * starts (it waits for "load") leaves "Today" as the day on the staff member's own clock.
 */
document.addEventListener("DOMContentLoaded", function () {
  delete document.body.dataset.adminUtcOffset;
});
