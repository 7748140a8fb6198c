// 1,000 DailyJoins and 200 sources against one controller:
// node bench/controller/run.mjs [joins] [sources]
import { launchControllerBench } from './launch.mjs';

process.exit(await launchControllerBench('controller-bench', process.argv.slice(2)));
