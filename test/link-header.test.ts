import { describe, expect, it } from 'vitest';
import { parseLinkHeader } from '../shared/link-header';

const SELF = 'https://acme.okta.com/api/v1/users?limit=200';
const NEXT = 'https://acme.okta.com/api/v1/users?after=00u5b2xq9GHJKLmn0x7&limit=200';

describe('parseLinkHeader', () => {
  it.each([
    { name: 'no header', input: null, next: undefined, self: undefined },
    { name: 'empty header', input: '', next: undefined, self: undefined },
    { name: 'self only (last page)', input: `<${SELF}>; rel="self"`, next: undefined, self: SELF },
    {
      name: 'two lines folded by fetch into one',
      input: `<${SELF}>; rel="self", <${NEXT}>; rel="next"`,
      next: NEXT,
      self: SELF,
    },
    {
      name: 'next before self',
      input: `<${NEXT}>; rel="next", <${SELF}>; rel="self"`,
      next: NEXT,
      self: SELF,
    },
    {
      name: 'separate header values',
      input: [`<${SELF}>; rel="self"`, `<${NEXT}>; rel="next"`],
      next: NEXT,
      self: SELF,
    },
    { name: 'unquoted rel', input: `<${NEXT}>; rel=next`, next: NEXT, self: undefined },
    {
      name: 'upper-case REL and extra spaces',
      input: ` < ${NEXT}> ;  REL = "NEXT" `,
      next: NEXT,
      self: undefined,
    },
    {
      name: 'comma inside the URL',
      input: `<https://acme.okta.com/api/v1/users?after=a,b&limit=2>; rel="next"`,
      next: 'https://acme.okta.com/api/v1/users?after=a,b&limit=2',
      self: undefined,
    },
    {
      name: 'percent-encoded cursor kept verbatim',
      input: `<https://acme.okta.com/api/v1/apps?after=MTYy%3D%3D&limit=200>; rel="next"`,
      next: 'https://acme.okta.com/api/v1/apps?after=MTYy%3D%3D&limit=200',
      self: undefined,
    },
    {
      name: 'extra parameters after rel',
      input: `<${NEXT}>; rel="next"; title="more"`,
      next: NEXT,
      self: undefined,
    },
    { name: 'garbage', input: 'not a link header', next: undefined, self: undefined },
    {
      name: 'repeated next: the first wins',
      input: `<${NEXT}>; rel="next", <${SELF}>; rel="next"`,
      next: NEXT,
      self: undefined,
    },
  ])('$name', ({ input, next, self }) => {
    const links = parseLinkHeader(input);
    expect(links.get('next')).toBe(next);
    expect(links.get('self')).toBe(self);
  });

  it('reads upper-case rel values when the URL is well formed', () => {
    expect(parseLinkHeader(`<${NEXT}>; REL="NEXT"`).get('next')).toBe(NEXT);
  });
});
