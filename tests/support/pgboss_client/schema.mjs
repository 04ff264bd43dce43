// Prints the SQL that pg-boss 12.5.4 itself runs to build its schema ("pgboss") and Dotoro's
// queue, as `boss.start()` and `boss.createQueue("sync-campaign-set")` (no options) run it.
// dotoro_local/pgboss_schema.sql is this output (make pgboss-schema writes it; a test
// checks that they agree).
import { getConstructionPlans } from "pg-boss";
import * as plans from "pg-boss/dist/plans.js";

const schema = "pgboss";
process.stdout.write(getConstructionPlans(schema).trim() + "\n");
process.stdout.write(plans.createQueue(schema, "sync-campaign-set", { policy: "standard" }).trim() + "\n");
