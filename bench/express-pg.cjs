'use strict';
// Startup of an app that loads what the agent hooks (express and pg, the
// project's own copies) and does nothing else: what the hooks add to loading.
require('express');
require('pg');
