// Preloaded by bench/profile.js (`node --require`): SIGUSR2 ends the process through
// process.exit(), so that --cpu-prof writes its profile whatever the server does on SIGTERM.
'use strict';
process.on('SIGUSR2', () => process.exit(0));
