import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { configSchema, loadConfig } from "../../config";

/** docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so their structure is checked. */
const root = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  deploy?: { replicas?: number };
}

/** The values a newcomer starts from (.env.example), put in as `docker compose` would from .env. */
const exampleEnv = Object.fromEntries(
  read(".env.example")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
const composeText = read("docker-compose.yml");
const interpolated = composeText.replace(/\$\{([A-Z_]+)(:\?[^}]*)?\}/g, (_match, name: string) => {
  if (!(name in exampleEnv)) throw new Error(`docker-compose.yml uses \${${name}}, which .env.example does not give`);
  return exampleEnv[name];
});
const compose = parse(interpolated, { merge: true }) as { services: Record<string, ComposeService> };
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe("docker-compose.yml", () => {
  it("runs RabbitMQ with the management plugin and Postgres with a volume, both health-checked", () => {
    const { rabbitmq, postgres } = compose.services;
    expect(rabbitmq.image).toMatch(/^rabbitmq:.*management/);
    expect(rabbitmq.healthcheck?.test.join(" ")).toMatch(/rabbitmq-diagnostics/);
    expect(postgres.image).toMatch(/^postgres:/);
    expect(postgres.volumes?.some((volume) => volume.includes("/var/lib/postgresql/data"))).toBe(true);
    expect(postgres.healthcheck?.test.join(" ")).toMatch(/pg_isready/);
  });

  it("builds every app service from one image, after healthy dependencies, with a healthcheck", () => {
    expect(appServices.length).toBeGreaterThanOrEqual(2);
    expect(new Set(appServices.map(([, service]) => service.image)).size).toBe(1);
    for (const [, service] of appServices) {
      expect(service.depends_on?.rabbitmq.condition).toBe("service_healthy");
      expect(service.depends_on?.postgres.condition).toBe("service_healthy");
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it("names only services that exist, and only variables the configuration accepts, with valid values", () => {
    // Conveyor's settings, and NODE_OPTIONS, which Node itself reads (the worker's young generation).
    const known = new Set([...Object.keys(configSchema.shape), "NODE_OPTIONS"]);
    for (const [name, service] of appServices) {
      const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
      for (const key of Object.keys(environment)) expect({ service: name, key, known: known.has(key) }).toEqual({ service: name, key, known: true });
      const settings = loadConfig(environment);
      for (const serviceName of settings.SERVICES) {
        expect(existsSync(path.join(root, "services", `${serviceName}.service.ts`))).toBe(true);
      }
    }
  });

  it("publishes only the gateway's port, and takes every credential from the environment", () => {
    const published = Object.entries(compose.services).filter(([, service]) => (service as { ports?: unknown[] }).ports?.length);
    expect(published.map(([name]) => name)).toEqual(["gateway"]);
    // No password written in the file: each comes from .env, and compose stops when one is missing.
    expect(composeText).not.toMatch(/^\s*[A-Z_]*(PASS|PASSWORD|SECRET|TOKEN):\s*[^$\s]/m);
    expect(composeText).not.toMatch(/\/\/conveyor:conveyor@/);
    for (const name of ["POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "STREAM_TOKEN_SECRET", "METRICS_TOKEN"]) {
      expect(composeText).toContain(`\${${name}:?`);
    }
  });

  it("runs workers as replicas and covers every service between its app containers", () => {
    expect(compose.services.worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const started = appServices.flatMap(([, service]) => String(service.environment?.SERVICES ?? "").split(","));
    const services = readdirSync(path.join(root, "services"))
      .filter((file) => file.endsWith(".service.ts"))
      .map((file) => file.replace(".service.ts", ""));
    for (const service of services) expect({ service, inCompose: started.includes(service) }).toEqual({ service, inCompose: true });
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");

  it("is multi-stage, installs production dependencies only, and runs as a non-root user", () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm (prune|ci) [^\n]*--omit=dev/);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
  });

  it("copies every source folder npm start and the conveyor command load, and puts conveyor on the PATH", () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)].map((match) => match[1]);
    expect(copied).toEqual(expect.arrayContaining(["config", "shared", "services", "scripts", "cli", "bin"]));
    const bin = (JSON.parse(read("package.json")) as { bin: Record<string, string> }).bin.conveyor;
    expect(dockerfile).toContain(`ln -s /app/${bin} /usr/local/bin/conveyor`);
  });

  it("starts with an npm script that exists", () => {
    const command = dockerfile.match(/^CMD \["npm", *"(?:run", *")?([\w:-]+)"\]/m)?.[1];
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(command).toBeDefined();
    expect(scripts[command as string]).toBeDefined();
  });
});

describe("README", () => {
  it("documents every configuration variable in its table", () => {
    const readme = read("README.md");
    const undocumented = Object.keys(configSchema.shape).filter((key) => !new RegExp(`^\\| \`${key}\` \\|`, "m").test(readme));
    expect(undocumented).toEqual([]);
  });

  it("states the two commands a newcomer runs", () => {
    const readme = read("README.md");
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });
});
