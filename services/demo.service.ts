import type { ServiceSchema } from "moleculer";
import { demoTasks } from "./demo.tasks";

/** Runs the demo.* tasks (queue `default`). */
const DemoService: ServiceSchema = {
  name: "demo",
  tasks: demoTasks,
};

export default DemoService;
