/** HubSpot: the connector (contacts in, scores and lifecycle stage out) and its plug-in definition. See README.md. */
export * from './hubspot-connector.js';
export { hubspot, hubspotLimitsAndProperties, type HubSpotSettings } from './hubspot-definition.js';
