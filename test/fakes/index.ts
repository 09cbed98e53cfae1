// Fake model servers for tests: import from here.
export * from './fakeServer';
export * from './fakeLlamaCpp';
export * from './fakeOllama';
export * from './fakeLmStudio';
export * from './fakeOpenAI';
export { freePort } from '../harness/net';
export * from './chatRoutes';
export * from './toolTurns';
