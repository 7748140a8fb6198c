// Many remote sites renewing their Leases against one controller:
// node bench/controller/sites.mjs [sites=100] [seconds=300] [renewSeconds=10]
import { launchControllerBench } from './launch.mjs';

process.exit(await launchControllerBench('sites-bench', process.argv.slice(2)));
