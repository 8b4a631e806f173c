// Validates the component's published documents with the parsers their readers use: the AsyncAPI
// document with the official AsyncAPI parser, catalog-info.yaml with Backstage's own entity validators
// and the policies its catalog applies by default.
//
// Input, on stdin, is JSON: {"documents": [{"path", "type": "asyncapi", "text"} |
// {"path", "type": "catalog", "entities": [...]}]}. The catalog file's YAML is read by the caller
// (contracts/documents.py): neither package declares a YAML parser we could rely on. Every problem is
// printed as `path: where: message`; the exit code is 1 when there is any.

import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

import { Parser } from "@asyncapi/parser";

// Backstage's validators are loaded only when a catalog is checked: about a quarter of a second of
// each run, which `make subscribe` (a producer's AsyncAPI document alone) would pay for nothing.
let catalogChecks;
async function catalogValidators() {
  if (!catalogChecks) {
    const backstage = await import("@backstage/catalog-model");
    catalogChecks = {
      // The kinds a component's catalog-info.yaml declares; any other kind is reported, not skipped.
      kinds: [backstage.componentEntityV1alpha1Validator, backstage.apiEntityV1alpha1Validator],
      // The policies Backstage's catalog enforces on every entity unless told otherwise.
      policies: backstage.EntityPolicies.allOf([
        new backstage.DefaultNamespaceEntityPolicy(),
        new backstage.FieldFormatEntityPolicy(),
        new backstage.NoForeignRootFieldsEntityPolicy(),
        new backstage.SchemaValidEntityPolicy(),
      ]),
      envelope: backstage.entityEnvelopeSchemaValidator(),
      entity: backstage.entitySchemaValidator(),
    };
  }
  return catalogChecks;
}

const ERROR = 0; // DiagnosticSeverity.Error: warnings and hints do not fail the check

const parser = new Parser();

// A document is parsed once per run: the catalog's API entity names the AsyncAPI document checked beside
// it (`$text`), which `make lint` parsed twice, at half a second each. The same text from the same file
// gets the same verdict: nothing the parser reads (the files its `$ref`s name) changes during a run.
const parsed = new Map();

function asyncApiProblems(text, source) {
  const key = `${source}\0${text}`;
  if (!parsed.has(key)) {
    parsed.set(key, parseProblems(text, source));
  }
  return parsed.get(key);
}

async function parseProblems(text, source) {
  const { diagnostics } = await parser.parse(text, { source });
  return diagnostics
    .filter((diagnostic) => diagnostic.severity === ERROR)
    .map((diagnostic) => {
      const where = diagnostic.path.length ? `/${diagnostic.path.join("/")}` : "/";
      const line = diagnostic.range ? ` (line ${diagnostic.range.start.line + 1})` : "";
      return `${where}${line}: ${diagnostic.message}`;
    });
}

// Backstage's catalog replaces `$text` with the named file's content before it validates; so do we.
// A definition that names no file is reported alone: the schema's "must be string" would only repeat it.
async function resolveDefinition(entity, catalogPath) {
  const definition = entity.spec?.definition;
  if (!definition || typeof definition !== "object" || !("$text" in definition)) {
    return [];
  }
  const target = resolve(dirname(catalogPath), String(definition.$text));
  if (!existsSync(target)) {
    return [`spec.definition: $text ${definition.$text} names no file (looked for ${target})`];
  }
  const text = readFileSync(target, "utf8");
  entity.spec.definition = text;
  if (entity.spec.type !== "asyncapi") {
    return [];
  }
  return (await asyncApiProblems(text, target)).map((problem) => `spec.definition ${definition.$text}${problem}`);
}

async function entityProblems(entity, catalogPath) {
  const problems = await resolveDefinition(entity, catalogPath);
  if (problems.length) {
    return problems;
  }
  const checks = await catalogValidators();
  try {
    checks.envelope(entity);
    checks.entity(entity);
    await checks.policies.enforce(entity);
    const results = await Promise.all(checks.kinds.map((validator) => validator.check(entity)));
    if (!results.some(Boolean)) {
      problems.push(`unsupported kind ${entity.kind} (apiVersion ${entity.apiVersion})`);
    }
  } catch (error) {
    problems.push(error.message);
  }
  return problems;
}

async function catalogProblems(entities, path) {
  if (!Array.isArray(entities) || entities.length === 0) {
    return ["no entity found"];
  }
  const problems = [];
  const apis = new Set(entities.filter((entity) => entity?.kind === "API").map((e) => e.metadata?.name));
  for (const [index, entity] of entities.entries()) {
    const name = entity?.metadata?.name ?? `document ${index + 1}`;
    const found = await entityProblems(entity, path);
    // A provided API is defined beside the component: a name that matches none is a typo, which
    // Backstage would turn into a relation to nothing without a word.
    for (const api of entity?.spec?.providesApis ?? []) {
      if (!apis.has(api)) {
        found.push(`spec.providesApis: ${api} is not an API entity of this file`);
      }
    }
    problems.push(...found.map((problem) => `${entity?.kind ?? "entity"} ${name}: ${problem}`));
  }
  return problems;
}

const { documents } = JSON.parse(readFileSync(0, "utf8"));
let failed = false;
for (const document of documents) {
  const problems =
    document.type === "asyncapi"
      ? await asyncApiProblems(document.text, resolve(document.path))
      : await catalogProblems(document.entities, document.path);
  for (const problem of problems) {
    console.log(`${document.path}: ${problem}`);
  }
  console.log(`${document.path}: ${problems.length ? `${problems.length} problem(s)` : "valid"}`);
  failed ||= problems.length > 0;
}
process.exit(failed ? 1 : 0);
