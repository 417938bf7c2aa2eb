// Validates Argo CD Applications (a JSON array, file given as argv[2]) with the validators
// @kubernetes-models/argo-cd compiles from Argo CD's Application CRD. Prints one line per
// object and exits 1 when any is invalid.
import { readFileSync } from "node:fs";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";

const apps = JSON.parse(readFileSync(process.argv[2], "utf8"));
let bad = 0;
for (const [file, obj] of Object.entries(apps)) {
  try {
    new Application(obj).validate();
    console.log(`ok ${file}`);
  } catch (e) {
    bad++;
    console.log(`invalid ${file}: ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
