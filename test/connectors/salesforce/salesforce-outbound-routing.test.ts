import { describe, expect, it } from '@jest/globals';
import { createOutboundReceiver } from '../../../connectors/salesforce/salesforce-outbound.js';
import { buildOutboundMessage } from '../../../connectors/salesforce/simulator/outbound-message.js';

/**
 * Which connection takes an Outbound Message is decided by the org it names, before the envelope
 * is parsed (workspaces may each connect their own org); that connection's receiver then checks it.
 */
describe('Salesforce Outbound Messages: the org a message names', () => {
  const receiver = createOutboundReceiver();
  const ORG = '00D5g000000ABCDEAA';

  it('when an envelope names its org, then accountOf returns that org id', () => {
    const body = buildOutboundMessage({ organizationId: ORG, notifications: [{ id: '04l5g00000Gx7QzAAJ', type: 'Lead', fields: { Id: '00Q5g000001AbCdEAF' } }] });
    expect(receiver.accountOf!(Buffer.from(body))).toBe(ORG);
  });

  it('when the element carries another namespace prefix or none, then the org id is still found', () => {
    expect(receiver.accountOf!(Buffer.from(`<n:notifications><n:OrganizationId> ${ORG} </n:OrganizationId></n:notifications>`))).toBe(ORG);
    expect(receiver.accountOf!(Buffer.from(`<notifications><OrganizationId>${ORG.slice(0, 15)}</OrganizationId></notifications>`))).toBe(ORG.slice(0, 15));
  });

  it('when the body names no org, then accountOf returns null (the system connection receives it and refuses it as before)', () => {
    expect(receiver.accountOf!(Buffer.from('<soap/>'))).toBeNull();
    expect(receiver.accountOf!(Buffer.from('<OrganizationId>not-an-id!</OrganizationId>'))).toBeNull();
  });
});
