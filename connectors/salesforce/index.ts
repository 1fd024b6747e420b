/** Salesforce: the connector (Leads and Contacts in, scores and Lead Status out) and its plug-in definition. See README.md. */
export * from './salesforce-connector.js';
export { salesforce } from './salesforce-definition.js';
