#!/usr/bin/env node
console.log('igtoken: the service is coming in a later release.')
