import type { Page } from "@playwright/test";

/** Taps a chip (radio or checkbox) by its group's legend and its label, as a thumb would. */
export async function tap(page: Page, group: string | RegExp, option: string): Promise<void> {
  await page.getByRole("group", { name: group }).getByText(option, { exact: true }).click();
}

/** Logs the custody record of story (a): school-requested, de-escalation first, then an arrest. */
export async function logCustodyRecord(page: Page, studentRef: string, narrative = "Student struck a classmate; arrested after de-escalation failed."): Promise<void> {
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await page.getByRole("button", { name: "Staff asked me" }).click();
  await tap(page, /^Where/, "Hallway");
  await tap(page, /^Who asked/, "Administrator");
  await page.getByLabel("What they asked you to do").fill("Remove the student from class after a fight");
  await tap(page, /would this have needed a 911 call/, "Yes");
  await page.getByLabel("What kind of matter").selectOption({ label: "Criminal offense" });
  await page.getByLabel(/^Offense( \(needed\))?$/).selectOption({ label: "Simple assault" });
  await tap(page, /^Severity/, "Misdemeanor");
  await page.getByLabel("Details of the offense (optional)").fill("assault");
  await page.getByLabel("Your role in it").selectOption({ label: "Law enforcement / problem solver" });
  await page.getByLabel("Student number or initials").fill(studentRef);
  await tap(page, /^What you did/, "Arrest");
  await page.getByRole("button", { name: "+ Verbal" }).click();
  await page.getByRole("button", { name: "+ Time and space" }).click();
  await page.getByLabel("The basis for it").fill("Assault on another student in the hallway");
  await page.getByLabel("Factors supporting probable cause").fill("Witnessed by the officer");
  await page.getByLabel("Why it had to happen at school").fill("Continuing threat to the other student");
  await tap(page, /administrator direct it/, "No");
  await tap(page, /removed from public view/, "Yes");
  await page.getByLabel("How long was the student held (minutes)").fill("45");
  await page.getByLabel("Or: why they were not notified").fill("No answer at either number on file");
  await tap(page, /questioned about an offense/, "Yes");
  await tap(page, /Advised of their rights/, "Yes");
  await tap(page, /parent or guardian present/, "No");
  await tap(page, /charges filed or referred/, "Yes");
  await tap(page, /^Where did they go/, "Pending");
  await page.getByLabel("Narrative (optional)").fill(narrative);
  await page.getByRole("button", { name: /^Submit/ }).click();
}

export async function recordIds(page: Page): Promise<string[]> {
  return page.locator("[data-record]").evaluateAll((els) => els.map((e) => e.getAttribute("data-record") ?? ""));
}

/**
 * Opens a record from the list, as an officer would: scrolls the virtualised
 * list until its line is drawn, or, for a record older than the phone's
 * window, pages through "Older records (online)".
 */
export async function openRecord(page: Page, id: string): Promise<"phone" | "online"> {
  if (await scrollToLine(page, id)) {
    await page.locator(`[data-record="${id}"]`).click();
    return "phone";
  }
  const online = page.locator(`[data-online-record="${id}"]`);
  await page.getByRole("button", { name: /Older records \(online\)|More older records/ }).click();
  for (let i = 0; i < 100 && !(await online.count()); i++) {
    const more = page.getByRole("button", { name: "More older records" });
    if (!(await more.isVisible())) break;
    await more.click();
    await page.waitForTimeout(100);
  }
  await online.click();
  return "online";
}

/** Scrolls the virtualised list until the record's line is drawn; false if it is not on the phone. */
export async function scrollToLine(page: Page, id: string): Promise<boolean> {
  const line = page.locator(`[data-record="${id}"]`);
  await page.evaluate(() => window.scrollTo(0, 0));
  for (let i = 0; i < 400; i++) {
    if (await line.count()) return true;
    const atEnd = await page.evaluate(() => {
      const before = window.scrollY;
      window.scrollBy(0, window.innerHeight / 2);
      return window.scrollY === before;
    });
    await page.waitForTimeout(30);
    if (atEnd) return (await line.count()) > 0;
  }
  return false;
}
